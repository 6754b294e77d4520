import { type Html, html } from './html.js';

/** What every page needs to know about the request it renders for. */
export interface PageContext {
  /** The mount prefix ('' standalone, '/admin' in the shop). Every link starts with it. */
  base: string;
  title: string;
  /** The signed-in session's CSRF token ('' before sign-in): every form posts it as `_csrf`. */
  csrf: string;
  /** The navigation: the console's own pages, then the host app's sections. */
  nav: readonly NavEntry[];
  now: Date;
}

/** One entry of the top navigation: `id` marks it current, `path` is relative to the console. */
export interface NavEntry {
  id: string;
  title: string;
  path: string;
}

/** Which nav entry a page belongs to: a built-in page, a host section's id, or 'none'. */
export type Section = string;

/** The console's own pages; host sections (sections.ts) follow them. */
export const BUILTIN_NAV: readonly NavEntry[] = [
  { id: 'dashboard', title: 'Dashboard', path: '/' },
  { id: 'queues', title: 'Queues', path: '/queues' },
  { id: 'jobs', title: 'Jobs', path: '/jobs' },
  { id: 'schedules', title: 'Schedules', path: '/schedules' },
  { id: 'workers', title: 'Workers', path: '/workers' },
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
  return html`${documentHead(ctx.base, `${title} · ${ctx.title}`)}
<script src="${ctx.base}/assets/console.js" defer></script>
</head>
<body data-base="${ctx.base}">
<header class="top">
  <a class="brand" href="${ctx.base}/"><span class="logo" aria-hidden="true">◆</span> ${ctx.title}</a>
  <nav>${ctx.nav.map((n) => html`<a href="${ctx.base}${n.path}"${n.id === section ? html` aria-current="page"` : ''}>${n.title}</a>`)}</nav>
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

/** A status line above the page body: 'ok' (green, role=status) or 'error' (red, role=alert). */
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

/** The colours a tag can take (console.css `.tone-*`). */
export type Tone = 'ok' | 'bad' | 'warn' | 'info' | 'neutral' | 'accent';

/** A small coloured label, like the job-state badges: `tag('finished', 'ok')`. */
export function tag(text: string, tone: Tone = 'neutral'): Html {
  return html`<span class="badge tone-${tone}">${text}</span>`;
}
