import { JOB_STATES, type QueueCounts } from 'errand';
import { barChart, slots } from '../charts.js';
import { COUNT_CAP, type Deps } from '../deps.js';
import { badge, capped, duration, num } from '../format.js';
import { type Html, html } from '../html.js';
import { layout, type PageContext } from '../layout.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export async function dashboardPage(deps: Deps, ctx: PageContext): Promise<Html> {
  const admin = deps.errand.admin;
  const [counts, queues, hour, day, workers] = await Promise.all([
    deps.counts.get(),
    deps.queues.get(),
    admin.throughput(HOUR),
    admin.throughput(DAY),
    admin.workers(),
  ]);
  const now = ctx.now.getTime();
  const body = html`<h1>Dashboard</h1>
<section class="states" aria-label="Jobs by state">
${JOB_STATES.map(
  (s) => html`<a class="stat stat-${s}" href="${ctx.base}/jobs?state=${s}"><span class="label">${badge(s)}</span><b data-count="${s}">${capped(counts[s], COUNT_CAP)}</b></a>`,
)}
<a class="stat" href="${ctx.base}/workers"><span class="label">workers alive</span><b>${num(workers.length)}</b></a>
</section>
<section class="card live" id="live" data-src="${ctx.base}/api/stats">
<div class="card-head"><h2>Live</h2>
<div class="rates"><span><b data-rate="processed">–</b> processed/s</span><span><b data-rate="failed" class="bad">–</b> failed/s</span></div></div>
<svg class="live-chart" viewBox="0 0 720 120" role="img" aria-label="Processed and failed per second, last two minutes"><line class="axis" x1="0" x2="720" y1="110" y2="110"></line></svg>
<p class="help">Per-second rates over the last two minutes, updated every 2 s without reloading. Workers add to per-minute counters in the database as they finish jobs; this page asks for the current counters every 2 s and divides what was added since the last answer by the time between answers, so it counts every worker process on this database, not only this one.</p>
</section>
<div class="charts">
<section class="card">${barChart(slots(hour, 60_000, 60, now), { label: 'Last hour', slotLabel: 'minute' })}</section>
<section class="card">${barChart(slots(day, 15 * 60_000, 96, now), { label: 'Last 24 hours', slotLabel: '15 min' })}</section>
</div>
<section class="card">
<div class="card-head"><h2>Queues</h2><a href="${ctx.base}/queues">Manage queues →</a></div>
${queueSummary(ctx, queues)}
<p class="help">Size: jobs waiting (available + scheduled + retryable). Latency: how long the oldest job that could run now has waited.</p>
</section>`;
  return layout(ctx, 'dashboard', 'Dashboard', body);
}

export function queueSummary(ctx: PageContext, queues: QueueCounts[]): Html {
  if (queues.length === 0) return html`<p class="empty">No queue has unfinished jobs.</p>`;
  return html`<table class="grid" id="queue-summary">
<thead><tr><th>Queue</th><th class="n">Size</th><th class="n">Available</th><th class="n">Running</th><th class="n">Latency</th><th>Status</th></tr></thead>
<tbody>${queues.map(
    (q) => html`<tr>
<td><a href="${ctx.base}/jobs?state=available&amp;queue=${encodeURIComponent(q.queue)}">${q.queue}</a></td>
<td class="n">${num(q.available + q.scheduled + q.retryable)}</td>
<td class="n">${num(q.available)}</td>
<td class="n">${num(q.running)}</td>
<td class="n${q.latencyMs > 60_000 ? ' warn' : ''}">${q.latencyMs > 0 ? duration(q.latencyMs) : '—'}</td>
<td>${q.paused ? html`<span class="badge badge-paused">paused</span>` : html`<span class="badge badge-active">active</span>`}</td>
</tr>`,
  )}</tbody></table>`;
}

/** JSON for the live chart: per-minute counters of the last few minutes, and the counts. */
export async function statsJson(deps: Deps): Promise<unknown> {
  const admin = deps.errand.admin;
  const [minutes, counts] = await Promise.all([admin.throughput(3 * 60_000), deps.counts.get()]);
  return {
    at: new Date().toISOString(),
    cap: COUNT_CAP,
    minutes: minutes.map((m) => ({ minute: m.minute.toISOString(), processed: Number(m.processed), failed: Number(m.failed) })),
    counts,
  };
}
