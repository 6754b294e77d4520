import { type AttemptError, type JobRecord, redactSecrets, type WorkerInfo } from 'errand';
import type { Deps } from '../deps.js';
import { absolute, badge, duration, when } from '../format.js';
import { type Html, html, qs } from '../html.js';
import { csrfField, layout, type PageContext } from '../layout.js';
import { ACTION_LABEL, actionsFor, describeAction } from './actions.js';

interface Moment {
  at: Date;
  what: string;
  kind: 'info' | 'ok' | 'fail' | 'wait';
  detail?: string;
}

export async function jobPage(deps: Deps, ctx: PageContext, id: number, notice: Html | null): Promise<Html | null> {
  const job = await deps.errand.admin.getJob(id);
  if (!job) return null;
  const worker = job.lockedBy ? ((await deps.errand.admin.workers()).find((w) => w.id === job.lockedBy) ?? null) : null;
  const actions = actionsFor(job.state);
  const body = html`<nav class="crumbs"><a href="${ctx.base}/jobs${qs({ state: job.state })}">Jobs</a> › <a href="${ctx.base}/jobs${qs({ state: job.state, queue: job.queue })}">${job.queue}</a> › #${job.id}</nav>
<div class="title-row">
<h1><span class="jobname">${job.name}</span> <span class="muted mono">#${job.id}</span> ${badge(job.state)}</h1>
<div class="actions">${actions.map(
    (a) => html`<form method="post" action="${ctx.base}/jobs/${job.id}/${a}" data-confirm="${ACTION_LABEL[a]} job #${job.id} (${job.name})? It will ${describeAction(a)}.">${csrfField(ctx)}<button type="submit" class="button ${a === 'retry' ? 'primary' : 'danger'}">${ACTION_LABEL[a]}</button></form>`,
  )}</div>
</div>
<div class="detail-grid">
<section class="card facts">
<h2>Facts</h2>
<dl>
<dt>State</dt><dd>${badge(job.state)} ${stateLine(job, ctx.now)}</dd>
<dt>Queue</dt><dd><a href="${ctx.base}/jobs${qs({ state: job.state, queue: job.queue })}">${job.queue}</a></dd>
<dt>Attempts</dt><dd>${job.attempt} of ${job.maxAttempts}</dd>
<dt>Priority</dt><dd>${job.priority}</dd>
<dt>Run at</dt><dd>${when(job.runAt, ctx.now)}</dd>
<dt>Enqueued</dt><dd>${when(job.createdAt, ctx.now)}</dd>
<dt>Last started</dt><dd>${when(job.attemptedAt, ctx.now)}</dd>
<dt>Finished</dt><dd>${when(job.finishedAt, ctx.now)}</dd>
<dt>Timeout</dt><dd>${job.timeoutMs ? duration(job.timeoutMs) : html`<span class="muted">none</span>`}</dd>
<dt>Unique key</dt><dd class="mono">${job.uniqueKey ?? html`<span class="muted">—</span>`}</dd>
<dt>Worker</dt><dd>${workerLine(ctx, job, worker)}</dd>
</dl>
</section>
<section class="card">
<h2>Timeline</h2>
<ol class="timeline">${timeline(job).map(
    (m) => html`<li class="tl-${m.kind}"><span class="tl-what">${m.what}</span> ${when(m.at, ctx.now)} <span class="muted small">${absolute(m.at)}</span>${m.detail ? html`<div class="tl-detail mono">${m.detail}</div>` : ''}</li>`,
  )}</ol>
</section>
</div>
${progressCard(ctx, job)}${
  job.state === 'completed' && job.result !== null
    ? html`<section class="card">
<div class="card-head"><h2>Result</h2><span class="muted small">JSON, what the handler returned</span></div>
<pre class="payload mono">${JSON.stringify(job.result, null, 2)}</pre>
</section>`
    : ''
}
<section class="card">
<div class="card-head"><h2>Payload</h2><span class="muted small">JSON</span></div>
<pre class="payload mono">${redactSecrets(JSON.stringify(job.payload, null, 2) ?? '')}</pre>
</section>
<section class="card">
<h2>Errors <span class="muted">(${job.errors.length})</span></h2>
${
  job.errors.length === 0
    ? html`<p class="empty">No attempt has failed.</p>`
    : html`<ol class="errors" reversed>${[...job.errors].reverse().map((e) => errorItem(e, ctx))}</ol>`
}
</section>`;
  return layout(ctx, 'jobs', `${job.name} #${job.id}`, body, notice);
}

const UNFINISHED = new Set(['scheduled', 'available', 'running', 'retryable']);

/**
 * The last progress report; while the job is unfinished the card polls /api/jobs/:id (console.js)
 * and updates itself, reloading the page when the state changes.
 */
function progressCard(ctx: PageContext, job: JobRecord): Html {
  const live = UNFINISHED.has(job.state);
  if (!live && job.progress === null) return html``;
  const value = job.progress;
  const pct = typeof value === 'number' && value >= 0 && value <= 100 ? value : null;
  return html`<section class="card" id="job-live"${live ? html` data-src="${ctx.base}/api/jobs/${job.id}" data-state="${job.state}"` : ''}>
<div class="card-head"><h2>Progress</h2><span class="muted small">${live ? 'live: ctx.progress(value), updated every 2 s' : 'last reported'}</span></div>
<progress max="100" data-progress-bar${pct === null ? html` hidden` : html` value="${pct}"`}></progress>
<pre class="payload mono" data-progress>${value === null ? 'none reported yet' : JSON.stringify(value, null, 2)}</pre>
</section>`;
}

function stateLine(job: JobRecord, now: Date): Html {
  switch (job.state) {
    case 'scheduled':
    case 'retryable':
      return html`<span class="muted">runs ${when(job.runAt, now)}</span>`;
    case 'running':
      return html`<span class="muted">lease until ${when(job.leaseExpiresAt, now)}</span>`;
    default:
      return html``;
  }
}

function workerLine(ctx: PageContext, job: JobRecord, worker: WorkerInfo | null): Html {
  if (!job.lockedBy) return html`<span class="muted">none holds it</span>`;
  if (job.state !== 'running') return html`<span class="muted">last held by</span> <span class="mono">${job.lockedBy}</span>`;
  return html`<a class="mono" href="${ctx.base}/workers">${job.lockedBy}</a>${
    worker
      ? html` <span class="muted">(${worker.host}, pid ${worker.pid}, heartbeat ${when(worker.lastHeartbeat, ctx.now)})</span>`
      : html` <span class="warn">not heard from in the last minute: its lease will expire and the job be rescued</span>`
  }`;
}

function errorItem(e: AttemptError, ctx: PageContext): Html {
  const at = new Date(e.at);
  return html`<li class="error">
<div class="error-head"><b>Attempt ${e.attempt}</b>${e.kind ? html` <span class="badge badge-kind">${e.kind}</span>` : ''} ${Number.isNaN(at.getTime()) ? e.at : when(at, ctx.now)}</div>
<pre class="mono error-message">${redactSecrets(e.message)}</pre>
${e.stack ? html`<details><summary>Stack trace</summary><pre class="mono stack">${redactSecrets(e.stack)}</pre></details>` : ''}
</li>`;
}

/** Enqueued, each failed attempt, the last start, finish, and the next run for waiting jobs. */
export function timeline(job: JobRecord): Moment[] {
  const m: Moment[] = [{ at: job.createdAt, what: 'Enqueued', kind: 'info' }];
  for (const e of job.errors) {
    const at = new Date(e.at);
    if (Number.isNaN(at.getTime())) continue;
    const what =
      e.kind === 'discarded'
        ? 'Discarded'
        : e.kind === 'cancelled'
          ? 'Cancelled'
        : e.kind === 'lease_expired'
          ? `Attempt ${e.attempt} lost (lease expired), rescued`
          : e.kind === 'timeout'
            ? `Attempt ${e.attempt} timed out`
            : `Attempt ${e.attempt} failed`;
    m.push({ at, what, kind: 'fail', detail: redactSecrets(e.message).split('\n')[0].slice(0, 200) });
  }
  if (job.attemptedAt) m.push({ at: job.attemptedAt, what: `Attempt ${job.attempt} started`, kind: 'info' });
  if (job.state === 'completed' && job.finishedAt) m.push({ at: job.finishedAt, what: 'Completed', kind: 'ok' });
  if (job.state === 'dead' && job.finishedAt) m.push({ at: job.finishedAt, what: 'Dead: will not run again', kind: 'fail' });
  if (job.state === 'cancelled' && job.finishedAt) m.push({ at: job.finishedAt, what: 'Cancelled: will not run again', kind: 'fail' });
  if (job.state === 'retryable') m.push({ at: job.runAt, what: 'Retry scheduled', kind: 'wait' });
  if (job.state === 'scheduled') m.push({ at: job.runAt, what: 'Scheduled to run', kind: 'wait' });
  if (job.state === 'available') m.push({ at: job.runAt, what: 'Available since', kind: 'wait' });
  return m.sort((a, b) => a.at.getTime() - b.at.getTime());
}
