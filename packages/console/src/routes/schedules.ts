import type { FastifyInstance } from 'fastify';
import { param } from '../deps.js';
import { notice } from '../layout.js';
import { confirmPage } from '../pages/confirm.js';
import { schedulesPage } from '../pages/schedules.js';
import type { ConsoleKit } from '../plugin.js';

/** The schedules page and pause/resume (pause after confirmation). */
export function registerSchedules(app: FastifyInstance, kit: ConsoleKit): void {
  const { base, deps, page, send, fail } = kit;

  app.get('/schedules', async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const done = param(q, 'done', 20);
    const name = param(q, 'name', 200);
    const shown = done === 'paused' || done === 'resumed' ? notice('ok', `Schedule ${name} ${done}.`) : null;
    return send(reply, await schedulesPage(deps, page(request), shown));
  });

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/schedules/${action}`, async (request, reply) => {
      const name = param(request.body, 'name', 300);
      if (!name || name.length > 200) return fail(request, reply, 400, 'Which schedule? The form must name one (1-200 characters).');
      if (action === 'pause' && param(request.body, 'confirmed') !== '1') {
        return send(
          reply,
          confirmPage(page(request), 'schedules', {
            title: `Pause schedule ${name}?`,
            message: 'No job is made for its ticks until it is resumed; the ticks that fall meanwhile are not made later. Jobs it already made are left alone.',
            action: `${base}/schedules/pause`,
            fields: [['name', name]],
            button: 'Pause schedule',
            danger: true,
            cancel: `${base}/schedules`,
          }),
        );
      }
      const found = action === 'pause' ? await deps.errand.admin.pauseSchedule(name) : await deps.errand.admin.resumeSchedule(name);
      if (!found) return fail(request, reply, 404, `No schedule named ${name}.`);
      return reply.redirect(`${base}/schedules?done=${action === 'pause' ? 'paused' : 'resumed'}&name=${encodeURIComponent(name)}`, 303);
    });
  }
}
