import { type Html, html } from '../html.js';
import { barePage } from '../layout.js';

export function signInPage(base: string, title: string, o: { next?: string; error?: string | null }): Html {
  return barePage(
    base,
    `Sign in · ${title}`,
    html`<form class="card signin" method="post" action="${base}/sign-in">
<h1><span class="logo" aria-hidden="true">◆</span> ${title}</h1>
${o.error ? html`<div class="notice notice-error" role="alert">${o.error}</div>` : ''}
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${o.next ?? ''}">
<button type="submit" class="button primary">Sign in</button>
<p class="muted small">The password is ERRAND_CONSOLE_PASSWORD (in development without it, the one printed at start).</p>
</form>`,
  );
}
