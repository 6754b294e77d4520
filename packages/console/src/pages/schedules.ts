import type { Deps } from '../deps.js';
import { badge, num, when } from '../format.js';
import { type Html, html, qs } from '../html.js';
import { csrfField, layout, type PageContext } from '../layout.js';

/** How many of each schedule's latest jobs the page lists. */
const LATEST = 5;

/** Every schedule: its cron and zone, next and last run, the jobs it made, pause/resume. */
export async function schedulesPage(deps: Deps, ctx: PageContext, notice: Html | null): Promise<Html> {
  const admin = deps.errand.admin;
  const schedules = await admin.schedules(ctx.now);
  const latest = await Promise.all(schedules.map((s) => admin.scheduleJobs(s.name, LATEST)));
  const body = html`<h1>Schedules</h1>
<section class="card">
${
  schedules.length === 0
    ? html`<p class="empty">No schedule yet. Declare them in code (<span class="mono">createErrand({ schedules })</span>, or export <span class="mono">defineSchedule(…)</span> from a module loaded by <span class="mono">errand worker --jobs</span>); a worker records them when it starts.</p>`
    : html`<table class="grid">
<thead><tr><th>Schedule</th><th>Cron</th><th>Job</th><th>Catch-up</th><th>Next run</th><th>Last run</th><th class="n">Jobs made</th><th>Latest jobs</th><th></th></tr></thead>
<tbody>${schedules.map(
        (s, i) => html`<tr>
<th class="mono">${s.name} ${s.paused ? html`<span class="badge badge-paused">paused</span>` : html`<span class="badge badge-active">active</span>`}</th>
<td class="mono">${s.cron}<div class="muted small">${s.timezone ?? 'UTC'}</div></td>
<td><span class="jobname">${s.jobName}</span> <span class="muted small">on <a href="${ctx.base}/jobs${qs({ state: 'available', queue: s.queue })}">${s.queue}</a></span></td>
<td class="mono small">${s.catchUp}</td>
<td>${s.paused ? html`<span class="muted">paused</span>` : when(s.nextRunAt, ctx.now)}</td>
<td>${when(s.lastRunAt, ctx.now)}</td>
<td class="n">${num(s.jobsMade)}</td>
<td>${latest[i].length === 0 ? html`<span class="muted">none left</span>` : latest[i].map((j) => html`<a class="chip" href="${ctx.base}/jobs/${j.id}">#${j.id} ${badge(j.state)}</a> `)}</td>
<td><form method="post" action="${ctx.base}/schedules/${s.paused ? 'resume' : 'pause'}"${s.paused ? '' : html` data-confirm="Pause schedule ${s.name}? No job is made for its ticks until it is resumed; ticks that fall meanwhile are not made later."`}>${csrfField(ctx)}<input type="hidden" name="name" value="${s.name}"><button type="submit" class="button${s.paused ? ' primary' : ' danger'}">${s.paused ? 'Resume' : 'Pause'}</button></form></td>
</tr>`,
      )}</tbody></table>`
}
<p class="help">Each tick of a schedule becomes exactly one job (its run time is the tick), however many worker processes run: the tick is decided in the database. A tick no process reached within 5 s of its time is missed and follows the schedule's catch-up policy (skip, once, backfill:N). The latest jobs are those not yet pruned.</p>
</section>`;
  return layout(ctx, 'schedules', 'Schedules', body, notice);
}
