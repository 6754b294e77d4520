import type { FastifyInstance } from 'fastify';
import { NAME, param } from '../deps.js';
import { confirmPage } from '../pages/confirm.js';
import { dashboardPage, statsJson } from '../pages/dashboard.js';
import { jobPage } from '../pages/job.js';
import { jobsPage, parseJobsQuery } from '../pages/jobs.js';
import { queuesPage } from '../pages/queues.js';
import { workersPage } from '../pages/workers.js';
import type { ConsoleKit } from '../plugin.js';

/** The read-only pages, the live-stats JSON, and queue pause/resume. */
export function registerPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { base, deps, page, send, fail } = kit;

  app.get('/', async (request, reply) => send(reply, await dashboardPage(deps, page(request))));

  app.get('/api/stats', async (_request, reply) => reply.type('application/json').send(await statsJson(deps)));

  app.get('/queues', async (request, reply) => send(reply, await queuesPage(deps, page(request), kit.noticeFrom(request.query))));

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/queues/${action}`, async (request, reply) => {
      const queue = param(request.body, 'queue', 300);
      if (!queue) return fail(request, reply, 400, 'Which queue? The form must name one.');
      if (!NAME.test(queue)) return fail(request, reply, 400, 'A queue name is 1-200 letters, digits or _ . : - / (as the engine accepts them).');
      // Only a queue the engine knows (jobs waiting or running, paused or resumed before, served
      // by a live worker): an unknown one would leave a row and metrics series behind for good.
      deps.queues.invalidate();
      if (!(await deps.queues.get()).some((q) => q.queue === queue)) return fail(request, reply, 404, 'No such queue: it has no waiting or running jobs, no workers and no pause setting.');
      if (action === 'pause' && param(request.body, 'confirmed') !== '1') {
        return send(
          reply,
          confirmPage(page(request), 'queues', {
            title: `Pause queue ${queue}?`,
            message: 'Workers stop taking its jobs until it is resumed; running jobs finish. Jobs can still be enqueued.',
            action: `${base}/queues/pause`,
            fields: [['queue', queue]],
            button: 'Pause queue',
            danger: true,
            cancel: `${base}/queues`,
          }),
        );
      }
      if (action === 'pause') await deps.errand.admin.pauseQueue(queue);
      else await deps.errand.admin.resumeQueue(queue);
      deps.invalidate();
      return reply.redirect(`${base}/queues?done=${action === 'pause' ? 'paused' : 'resumed'}&queue=${encodeURIComponent(queue)}`, 303);
    });
  }

  app.get('/jobs', async (request, reply) => {
    const q = parseJobsQuery(request.query);
    if ('error' in q) return fail(request, reply, 400, q.error);
    return send(reply, await jobsPage(deps, page(request), q, kit.noticeFrom(request.query)));
  });

  app.get('/jobs/:id', async (request, reply) => {
    const raw = (request.params as { id: string }).id;
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(id) || id < 1) return fail(request, reply, 400, 'A job id is a positive whole number.');
    const body = await jobPage(deps, page(request), id, kit.noticeFrom(request.query));
    if (!body) return fail(request, reply, 404, `No job #${id}: it was deleted or pruned, or never existed.`);
    return send(reply, body);
  });

  // The job page's live part: state and progress, polled while the job is unfinished.
  app.get('/api/jobs/:id', async (request, reply) => {
    const raw = (request.params as { id: string }).id;
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
    const job = Number.isSafeInteger(id) && id > 0 ? await deps.errand.admin.getJob(id) : null;
    if (!job) return reply.code(404).type('application/json').send({ error: `no job #${raw}` });
    return reply.type('application/json').send({ id: job.id, state: job.state, attempt: job.attempt, progress: job.progress });
  });

  app.get('/workers', async (request, reply) => send(reply, await workersPage(deps, page(request))));
}
