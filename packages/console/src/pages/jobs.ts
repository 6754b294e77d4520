import { JOB_STATES, type JobRecord, type JobState, redactSecrets } from 'errand';
import { COUNT_CAP, type Deps, NAME, param } from '../deps.js';
import { badge, capped, truncate, when } from '../format.js';
import { type Html, html, qs } from '../html.js';
import { csrfField, layout, type PageContext } from '../layout.js';
import { ACTION_LABEL, actionsFor } from './actions.js';

export const PAGE_SIZE = 50;

export interface JobsQuery {
  state: JobState;
  queue: string;
  name: string;
  search: string;
  cursor: string;
}

const WAITING: JobState[] = ['scheduled', 'available', 'retryable'];

export function parseJobsQuery(q: unknown): JobsQuery | { error: string } {
  const state = param(q, 'state') || 'dead';
  if (!(JOB_STATES as readonly string[]).includes(state)) return { error: `Unknown state "${state}": one of ${JOB_STATES.join(', ')}.` };
  const queue = param(q, 'queue', 300);
  const name = param(q, 'name', 300);
  for (const [what, value] of [['queue', queue], ['job name', name]] as const) {
    if (value && !NAME.test(value)) return { error: `A ${what} is 1-200 letters, digits or _ . : - / (as the engine accepts them).` };
  }
  return { state: state as JobState, queue, name, search: param(q, 'search', 200), cursor: param(q, 'cursor', 200) };
}

export function filterOf(q: JobsQuery): { state: JobState; queue: string | null; name: string | null; search: string | null } {
  return { state: q.state, queue: q.queue || null, name: q.name || null, search: q.search || null };
}

export async function jobsPage(deps: Deps, ctx: PageContext, q: JobsQuery, notice: Html | null): Promise<Html> {
  const admin = deps.errand.admin;
  const [counts, page, queues] = await Promise.all([
    deps.counts.get(),
    admin.listJobs({ ...filterOf(q), limit: PAGE_SIZE, cursor: q.cursor || null }),
    deps.queues.get(),
  ]);
  const filter = { queue: q.queue, name: q.name, search: q.search };
  const filtered = Boolean(q.queue || q.name || q.search);
  const actions = actionsFor(q.state);
  const waiting = WAITING.includes(q.state);
  const timeHead = waiting ? 'Runs' : q.state === 'running' ? 'Started' : q.state === 'completed' || q.state === 'dead' || q.state === 'cancelled' ? 'Finished' : 'Created';
  const timeOf = (j: JobRecord) => (waiting ? j.runAt : q.state === 'running' ? j.attemptedAt : (j.finishedAt ?? j.createdAt));
  const body = html`<h1>Jobs</h1>
<nav class="tabs" aria-label="Job states">${JOB_STATES.map(
    (s) =>
      html`<a href="${ctx.base}/jobs${qs({ state: s, ...filter })}"${s === q.state ? html` aria-current="page"` : ''}>${badge(s)} <span class="count">${capped(counts[s], COUNT_CAP)}</span></a>`,
  )}</nav>
<form class="filters card" method="get" action="${ctx.base}/jobs">
<input type="hidden" name="state" value="${q.state}">
<label>Queue <input name="queue" value="${q.queue}" list="queue-names" placeholder="any" autocomplete="off"></label>
<datalist id="queue-names">${queues.map((x) => html`<option value="${x.queue}"></option>`)}</datalist>
<label>Job name <input name="name" value="${q.name}" placeholder="any" autocomplete="off"></label>
<label class="grow">Payload contains <input name="search" type="search" value="${q.search}" placeholder="text in the payload, e.g. an email or a sale guid"></label>
<button type="submit" class="button primary">Filter</button>
${filtered ? html`<a class="button" href="${ctx.base}/jobs${qs({ state: q.state })}">Clear</a>` : ''}
</form>
<section class="card">
<div class="card-head"><h2>${badge(q.state)} ${waiting ? 'next to run first' : 'newest first'}${filtered ? ', filtered' : ''}</h2>
${
  actions.length && page.jobs.length
    ? html`<div class="bulk">
<span class="muted">Selected:</span>
${actions.map((a) => html`<button type="submit" form="selection" name="action" value="${a}" class="button small${a === 'retry' ? '' : ' danger'}" data-confirm="${ACTION_LABEL[a]}: the selected jobs?">${ACTION_LABEL[a]}</button>`)}
<form method="post" action="${ctx.base}/jobs/bulk" class="inline" id="bulk-filter">
${csrfField(ctx)}<input type="hidden" name="scope" value="filter"><input type="hidden" name="state" value="${q.state}"><input type="hidden" name="queue" value="${q.queue}"><input type="hidden" name="name" value="${q.name}"><input type="hidden" name="search" value="${q.search}">
<span class="muted">All ${filtered ? 'matching' : q.state}:</span>
${actions.map((a) => html`<button type="submit" name="action" value="${a}" class="button small${a === 'retry' ? '' : ' danger'}" data-confirm="${ACTION_LABEL[a]}: every ${q.state} job${filtered ? ' matching this filter' : ''} (up to 10,000 at a time)?">${ACTION_LABEL[a]} all</button>`)}
</form></div>`
    : ''
}</div>
<form method="post" action="${ctx.base}/jobs/bulk" id="selection">${csrfField(ctx)}<input type="hidden" name="scope" value="ids"><input type="hidden" name="state" value="${q.state}"><input type="hidden" name="back" value="${ctx.base}/jobs${qs({ state: q.state, ...filter })}"></form>
${
  page.jobs.length === 0
    ? html`<p class="empty">No ${q.state} jobs${filtered ? ' match this filter' : ''}${q.cursor ? ' on this page' : ''}.</p>`
    : html`<table class="grid jobs">
<thead><tr>${actions.length ? html`<th class="check"><input type="checkbox" data-select-all aria-label="Select all on this page"></th>` : ''}<th class="n">Id</th><th>Job</th><th>Queue</th><th class="n">Attempt</th><th>${timeHead}</th><th>Last error</th></tr></thead>
<tbody>${page.jobs.map((j) => row(ctx, j, actions.length > 0, timeOf(j)))}</tbody></table>`
}
<div class="pager">
${q.cursor ? html`<a class="button" href="${ctx.base}/jobs${qs({ state: q.state, ...filter })}">← First page</a>` : ''}
${page.next ? html`<a class="button" rel="next" href="${ctx.base}/jobs${qs({ state: q.state, ...filter, cursor: page.next })}">Next page →</a>` : ''}
</div>
<p class="help">Counts stop at ${capped(COUNT_CAP, COUNT_CAP)} so this page stays quick with millions of jobs. Pages follow a cursor (the last job seen), never an offset. Payload search looks for the text anywhere in the payload's JSON, ignoring case. Bulk actions apply to at most 10,000 jobs per click.</p>
</section>`;
  return layout(ctx, 'jobs', `Jobs: ${q.state}`, body, notice);
}

function row(ctx: PageContext, j: JobRecord, selectable: boolean, t: Date | null): Html {
  const last = j.errors[j.errors.length - 1];
  return html`<tr>
${selectable ? html`<td class="check"><input type="checkbox" name="id" value="${j.id}" form="selection" aria-label="Select job ${j.id}"></td>` : ''}
<td class="n mono"><a href="${ctx.base}/jobs/${j.id}">${j.id}</a></td>
<td><a href="${ctx.base}/jobs/${j.id}" class="jobname">${j.name}</a><div class="payload-peek mono">${truncate(redactSecrets(JSON.stringify(j.payload) ?? ''), 120)}</div></td>
<td><a href="${ctx.base}/jobs${qs({ state: j.state, queue: j.queue })}">${j.queue}</a></td>
<td class="n">${j.attempt}/${j.maxAttempts}</td>
<td>${when(t, ctx.now)}</td>
<td class="error-peek">${last ? html`<span class="mono">${truncate(redactSecrets(last.message), 140)}</span>` : html`<span class="muted">—</span>`}</td>
</tr>`;
}
