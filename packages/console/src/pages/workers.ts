import type { Deps } from '../deps.js';
import { duration, num, when } from '../format.js';
import { type Html, html, qs } from '../html.js';
import { layout, type PageContext } from '../layout.js';

export async function workersPage(deps: Deps, ctx: PageContext): Promise<Html> {
  const workers = await deps.errand.admin.workers();
  const now = ctx.now.getTime();
  const body = html`<h1>Workers</h1>
<section class="card">
${
  workers.length === 0
    ? html`<p class="empty">No worker has sent a heartbeat in the last minute.</p>`
    : html`<table class="grid">
<thead><tr><th>Worker</th><th>Host</th><th class="n">PID</th><th>Queues (concurrency)</th><th>Started</th><th>Last heartbeat</th><th class="n">Running now</th></tr></thead>
<tbody>${workers.map(
        (w) => html`<tr>
<td class="mono">${w.id}</td>
<td>${w.host}</td>
<td class="n mono">${w.pid}</td>
<td>${Object.entries(w.queues).map(([q, c]) => html`<a class="chip" href="${ctx.base}/jobs${qs({ state: 'running', queue: q })}">${q} <b>${num(c)}</b></a> `)}</td>
<td>${when(w.startedAt, ctx.now)} <span class="muted small">up ${duration(now - w.startedAt.getTime())}</span></td>
<td class="${now - w.lastHeartbeat.getTime() > 30_000 ? 'warn' : ''}">${when(w.lastHeartbeat, ctx.now)}</td>
<td class="n">${w.running > 0 ? html`<a href="${ctx.base}/jobs?state=running">${num(w.running)}</a>` : html`<span class="muted">0</span>`}</td>
</tr>`,
      )}</tbody></table>`
}
<p class="help">Worker processes heard from within the last minute. Each renews the leases of its running jobs with every heartbeat; a worker that stops beating loses its jobs to the rescuer when their leases run out.</p>
</section>`;
  return layout(ctx, 'workers', 'Workers', body);
}
