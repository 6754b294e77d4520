import { JOB_STATES, type JobState } from 'errand';
import type { FastifyInstance } from 'fastify';
import { formList } from '../csrf.js';
import { param } from '../deps.js';
import { html, qs } from '../html.js';
import { ACTION_LABEL, describeAction, isAction, type JobAction } from '../pages/actions.js';
import { confirmPage } from '../pages/confirm.js';
import type { ConsoleKit } from '../plugin.js';

const MAX_SELECTED = 500;

/** Retry, discard, delete, cancel: one job, the selected jobs, or every job matching a filter. */
export function registerJobActions(app: FastifyInstance, kit: ConsoleKit): void {
  const { base, deps, page, send, fail } = kit;
  const admin = deps.errand.admin;

  app.post('/jobs/:id/:action', async (request, reply) => {
    const { id: rawId, action } = request.params as { id: string; action: string };
    const id = /^\d{1,15}$/.test(rawId) ? Number(rawId) : Number.NaN;
    if (!isAction(action)) return fail(request, reply, 404, `No action "${action}": retry, discard, delete or cancel.`);
    if (!Number.isSafeInteger(id) || id < 1) return fail(request, reply, 400, 'A job id is a positive whole number.');
    const job = await admin.getJob(id);
    if (!job) return fail(request, reply, 404, `No job #${id}: it was deleted or pruned, or never existed.`);
    if (param(request.body, 'confirmed') !== '1') {
      return send(
        reply,
        confirmPage(page(request), 'jobs', {
          title: `${ACTION_LABEL[action]} job #${id}?`,
          message: `${job.name} on queue ${job.queue}, now ${job.state}, will ${describeAction(action)}.`,
          action: `${base}/jobs/${id}/${action}`,
          fields: [],
          button: ACTION_LABEL[action],
          danger: action !== 'retry',
          cancel: `${base}/jobs/${id}`,
        }),
      );
    }
    const changed = await run(action, [id]);
    const done = qs({ done: action, n: changed.length, of: 1 });
    if (action === 'delete' && changed.length === 1) return reply.redirect(`${base}/jobs${qs({ state: job.state, queue: job.queue })}&${done.slice(1)}`, 303);
    return reply.redirect(`${base}/jobs/${id}${done}`, 303);
  });

  app.post('/jobs/bulk', async (request, reply) => {
    const body = request.body;
    const action = param(body, 'action', 20);
    if (!isAction(action)) return fail(request, reply, 400, 'Which action? retry, discard, delete or cancel.');
    const state = param(body, 'state', 20);
    if (!(JOB_STATES as readonly string[]).includes(state)) return fail(request, reply, 400, `Unknown state "${state}".`);
    const filter = { state: state as JobState, queue: param(body, 'queue', 200), name: param(body, 'name', 200), search: param(body, 'search', 200) };
    const listUrl = `${base}/jobs${qs(filter)}`;
    const confirmed = param(body, 'confirmed') === '1';
    if (param(body, 'scope') === 'filter') {
      if (!confirmed) {
        const described = [filter.queue && `queue ${filter.queue}`, filter.name && `job name ${filter.name}`, filter.search && `payload containing "${filter.search}"`].filter(Boolean).join(', ');
        return send(
          reply,
          confirmPage(page(request), 'jobs', {
            title: `${ACTION_LABEL[action]} every ${state} job${described ? ' matching the filter' : ''}?`,
            message: `Every ${state} job${described ? ` with ${described}` : ''} (at most 10,000 per click) will ${describeAction(action)}.`,
            action: `${base}/jobs/bulk`,
            fields: [['scope', 'filter'], ['action', action], ['state', state], ['queue', filter.queue], ['name', filter.name], ['search', filter.search]],
            button: `${ACTION_LABEL[action]} all`,
            danger: action !== 'retry',
            cancel: listUrl,
          }),
        );
      }
      const changed = await admin.bulk(action, { state: filter.state, queue: filter.queue || null, name: filter.name || null, search: filter.search || null });
      deps.invalidate();
      return reply.redirect(`${listUrl}&${qs({ done: action, n: changed.length, of: changed.length }).slice(1)}`, 303);
    }
    const raw = formList(body, 'id');
    const ids = [...new Set(raw.filter((s) => /^\d{1,15}$/.test(s)).map(Number))].filter((n) => Number.isSafeInteger(n) && n > 0);
    if (ids.length === 0 || ids.length !== raw.length) return fail(request, reply, 400, 'Select at least one job (ids are whole numbers).');
    if (ids.length > MAX_SELECTED) return fail(request, reply, 400, `At most ${MAX_SELECTED} selected jobs at a time; use "all matching" for more.`);
    if (!confirmed) {
      return send(
        reply,
        confirmPage(page(request), 'jobs', {
          title: `${ACTION_LABEL[action]} ${ids.length} selected job${ids.length === 1 ? '' : 's'}?`,
          message: `These jobs will ${describeAction(action)}.`,
          detail: html`<p class="mono small">${ids.map((i) => `#${i}`).join(' ')}</p>`,
          action: `${base}/jobs/bulk`,
          fields: [['scope', 'ids'], ['action', action], ['state', state], ...ids.map((i): [string, string] => ['id', String(i)])],
          button: ACTION_LABEL[action],
          danger: action !== 'retry',
          cancel: listUrl,
        }),
      );
    }
    const changed = await run(action, ids);
    return reply.redirect(`${listUrl}&${qs({ done: action, n: changed.length, of: ids.length }).slice(1)}`, 303);
  });

  async function run(action: JobAction, ids: number[]): Promise<number[]> {
    const changed = await (action === 'retry'
      ? admin.retry(ids)
      : action === 'discard'
        ? admin.discard(ids)
        : action === 'cancel'
          ? admin.cancelJobs(ids)
          : admin.delete(ids));
    deps.invalidate();
    return changed;
  }
}
