import { type Html, html } from './html.js';

/** What every page needs to know about the request it renders for. */
export interface PageContext {
  /** The mount prefix ('' standalone, '/admin' in the shop). Every link starts with it. */
  base: string;
  title: string;
  csrf: string;
  hasSales: boolean;
  now: Date;
}

export type Section = 'dashboard' | 'queues' | 'jobs' | 'workers' | 'sales' | 'none';

const NAV: [Section, string, string][] = [
  ['dashboard', 'Dashboard', '/'],
  ['queues', 'Queues', '/queues'],
  ['jobs', 'Jobs', '/jobs'],
  ['workers', 'Workers', '/workers'],
  ['sales', 'Sales', '/sales'],
];

/** The start of every console document, up to the stylesheet and icon (the caller closes <head>). */
function documentHead(base: string, title: string): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title}</title>
<link rel="stylesheet" href="${base}/assets/console.css">
<link rel="icon" href="${base}/assets/favicon.svg" type="image/svg+xml">`;
}

export function layout(ctx: PageContext, section: Section, title: string, body: Html, notice?: Html | null): Html {
  const nav = NAV.filter(([s]) => s !== 'sales' || ctx.hasSales);
  return html`${documentHead(ctx.base, `${title} · ${ctx.title}`)}
<script src="${ctx.base}/assets/console.js" defer></script>
</head>
<body data-base="${ctx.base}">
<header class="top">
  <a class="brand" href="${ctx.base}/"><span class="logo" aria-hidden="true">◆</span> ${ctx.title}</a>
  <nav>${nav.map(([s, label, path]) => html`<a href="${ctx.base}${path}"${s === section ? html` aria-current="page"` : ''}>${label}</a>`)}</nav>
  <form method="post" action="${ctx.base}/sign-out" class="signout"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit" class="link">Sign out</button></form>
</header>
<main>
${notice ?? ''}
${body}
</main>
<dialog id="confirm-dialog"><form method="dialog"><p class="confirm-text"></p><div class="actions"><button value="cancel" class="button">Cancel</button><button value="ok" class="button danger" id="confirm-ok">Confirm</button></div></form></dialog>
</body>
</html>`;
}

export function notice(kind: 'ok' | 'error', text: string): Html {
  return html`<div class="notice notice-${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</div>`;
}

/** A bare page (sign-in, errors before sign-in): no navigation. */
export function barePage(base: string, title: string, body: Html): Html {
  return html`${documentHead(base, title)}
</head>
<body class="bare">
<main>${body}</main>
</body>
</html>`;
}

/** A hidden CSRF field for a form. */
export function csrfField(ctx: PageContext): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;
}
