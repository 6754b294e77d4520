import type { RateLimitInfo } from 'errand';
import type { Deps } from '../deps.js';
import { duration, num } from '../format.js';
import { type Html, html, qs } from '../html.js';
import { csrfField, layout, type PageContext } from '../layout.js';

export async function queuesPage(deps: Deps, ctx: PageContext, notice: Html | null): Promise<Html> {
  const [queues, day, limits] = await Promise.all([
    deps.queues.get(),
    deps.errand.admin.throughputByQueue(24 * 3_600_000),
    deps.errand.admin.rateLimits(),
  ]);
  const done = new Map(day.map((d) => [d.queue, d]));
  const names = [...new Set([...queues.map((q) => q.queue), ...day.map((d) => d.queue)])].sort();
  const byName = new Map(queues.map((q) => [q.queue, q]));
  const link = (queue: string, state: string, n: number) =>
    n > 0 ? html`<a href="${ctx.base}/jobs${qs({ state, queue })}">${num(n)}</a>` : html`<span class="muted">0</span>`;
  const body = html`<h1>Queues</h1>
<section class="card">
${
  names.length === 0
    ? html`<p class="empty">No queue has jobs yet.</p>`
    : html`<table class="grid">
<thead><tr><th>Queue</th><th class="n">Scheduled</th><th class="n">Available</th><th class="n">Running</th><th class="n">Retryable</th><th class="n">Processed 24 h</th><th class="n">Failed 24 h</th><th class="n">Latency</th><th class="n">Concurrency</th><th>Status</th><th></th></tr></thead>
<tbody>${names.map((name) => {
        const q = byName.get(name) ?? { queue: name, scheduled: 0, available: 0, running: 0, retryable: 0, latencyMs: 0, paused: false, concurrency: 0 };
        const d = done.get(name);
        return html`<tr data-queue="${name}">
<th scope="row"><a href="${ctx.base}/jobs${qs({ state: 'available', queue: name })}">${name}</a></th>
<td class="n">${link(name, 'scheduled', q.scheduled)}</td>
<td class="n">${link(name, 'available', q.available)}</td>
<td class="n">${link(name, 'running', q.running)}</td>
<td class="n">${link(name, 'retryable', q.retryable)}</td>
<td class="n">${link(name, 'completed', Number(d?.processed ?? 0))}</td>
<td class="n">${Number(d?.failed ?? 0) > 0 ? html`<span class="bad">${num(Number(d?.failed))}</span>` : html`<span class="muted">0</span>`}</td>
<td class="n${q.latencyMs > 60_000 ? ' warn' : ''}">${q.latencyMs > 0 ? duration(q.latencyMs) : '—'}</td>
<td class="n">${q.concurrency > 0 ? num(q.concurrency) : html`<span class="muted" title="no live worker serves this queue">none</span>`}</td>
<td>${q.paused ? html`<span class="badge badge-paused">paused</span>` : html`<span class="badge badge-active">active</span>`}</td>
<td class="actions">${
          q.paused
            ? html`<form method="post" action="${ctx.base}/queues/resume">${csrfField(ctx)}<input type="hidden" name="queue" value="${name}"><input type="hidden" name="confirmed" value="1"><button type="submit" class="button primary small">Resume</button></form>`
            : html`<form method="post" action="${ctx.base}/queues/pause" data-confirm="Pause queue ${name}? Workers stop taking its jobs (running ones finish).">${csrfField(ctx)}<input type="hidden" name="queue" value="${name}"><button type="submit" class="button small">Pause</button></form>`
        }</td>
</tr>`;
      })}</tbody></table>`
}
<p class="help">Counts by state are exact for unfinished jobs. Processed and failed are the last 24 hours of the workers' counters. Latency is the age of the oldest job that could run now. Concurrency is the sum over live workers serving the queue. A paused queue keeps its jobs; workers take none until it is resumed.</p>
</section>
${limits.length ? rateLimitsCard(ctx, limits) : html``}`;
  return layout(ctx, 'queues', 'Queues', body, notice);
}

/** A window's length as words: "second", "minute", "hour", "day", or "1 min 30 s". */
function per(ms: number): string {
  const names = new Map([[1000, 'second'], [60_000, 'minute'], [3_600_000, 'hour'], [86_400_000, 'day']]);
  return names.get(ms) ?? duration(ms);
}

/** Each queue's rate limit and how full its current window is (shown only when a queue has one). */
function rateLimitsCard(ctx: PageContext, limits: RateLimitInfo[]): Html {
  return html`<section class="card" id="rate-limits">
<div class="card-head"><h2>Rate limits</h2><span class="muted small">shared by every worker, counted in the database</span></div>
<table class="grid">
<thead><tr><th>Queue</th><th>Limit</th><th class="n">Current window</th><th></th><th class="n">Window ends in</th><th>Fullest keys</th></tr></thead>
<tbody>${limits.map((l) => {
    // Per key, the window that matters is the fullest key's: each key has `limit` of its own.
    const fullest = l.perKey ? (l.topKeys[0]?.used ?? 0) : l.used;
    const left = Math.max(0, l.windowEnd.getTime() - Date.now());
    return html`<tr data-rate-limit="${l.queue}">
<th scope="row"><a href="${ctx.base}/jobs${qs({ state: 'available', queue: l.queue })}">${l.queue}</a></th>
<td>${num(l.limit)} per ${per(l.intervalMs)}${l.perKey ? html` <span class="badge">per key</span>` : html``}</td>
<td class="n${fullest >= l.limit ? ' warn' : ''}">${
      l.perKey
        ? html`${num(l.used)} starts over ${num(l.activeKeys)} ${l.activeKeys === 1 ? 'key' : 'keys'}`
        : html`${num(l.used)} / ${num(l.limit)}`
    }</td>
<td><meter min="0" max="${l.limit}" value="${Math.min(fullest, l.limit)}" high="${Math.ceil(l.limit * 0.8)}" title="${num(fullest)} of ${num(l.limit)}${l.perKey ? ' (fullest key)' : ''}"></meter></td>
<td class="n">${duration(left)}</td>
<td>${
      l.perKey && l.topKeys.length
        ? html`${l.topKeys.slice(0, 5).map((k, i) => html`${i ? ', ' : ''}<span class="mono">${k.key === '' ? '(no key)' : k.key}</span> ${num(k.used)}`)}`
        : html`<span class="muted">—</span>`
    }</td>
</tr>`;
  })}</tbody></table>
<p class="help">At most the limit of job starts per window, for the whole queue or per key (per customer, say). Windows are fixed, by the database's clock; a job held back by a limit waits without using an attempt. Declared by <code>createErrand({ rateLimits })</code>; the last declaration wins.</p>
</section>`;
}
