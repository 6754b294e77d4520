import { createErrand, defineJob, defineSchedule, type Errand } from 'errand';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, waitForEvent } from '../../engine/test/helpers/signals.js';
import { type Backend, encodeForm, type Harness, harness, type Session } from './helpers.js';
import { notesSection } from './notes-section.js';

export const XSS_SCRIPT = '<script>alert(1)</script>';
export const XSS_ATTR = '"><img src=x onerror=alert(2)>';

const noop = defineJob<{ n?: number; email?: string; note?: string }>({ name: 'noop', handler: async () => {}, maxAttempts: 1 });
const reporter = defineJob<{ n: number }>({
  name: 'reporter',
  handler: async (p, ctx) => {
    ctx.progress({ done: p.n, of: 10 });
    return { total: p.n * 2, note: '<b>x</b>' };
  },
});
const evil = defineJob<{ note: string }>({
  name: 'evil',
  maxAttempts: 1,
  handler: async (payload) => {
    throw new Error(`boom ${payload.note}`);
  },
});

/** Every page and action through inject, on one database (SQLite or PostgreSQL). */
export function consoleSuite(label: string, makeBackend: () => Promise<Backend>): void {
  describe(`console on ${label}`, () => {
    let backend: Backend;
    let h: Harness;
    let s: Session;
    let errand: Errand;
    const notes = notesSection();
    let deadId: number;

    beforeAll(async () => {
      backend = await makeBackend();
      h = await harness(backend.url, { sections: [notes] });
      errand = h.errand;
      errand.register(noop).register(evil).register(reporter);
      const [dead] = await errand.enqueueMany([evil.with({ note: `${XSS_SCRIPT} ${XSS_ATTR}` })]);
      await errand.drain();
      deadId = dead.id;
      s = await h.signIn();
      notes.notes.push(`remember ${XSS_SCRIPT}`);
    });
    afterAll(async () => {
      await h?.close();
      await backend?.drop();
    });

    const pages = ['/', '/queues', '/jobs', '/jobs?state=available', '/workers', '/notes', '/notes/0'];

    it('sends every page to sign-in (303) without a session, and JSON/actions get 401', async () => {
      for (const p of [...pages, `/jobs/${deadId}`]) {
        const res = await h.app.inject({ url: `/admin${p}` });
        expect(res.statusCode, p).toBe(303);
        expect(res.headers.location).toMatch(/^\/admin\/sign-in/);
      }
      expect((await h.app.inject({ url: '/admin/api/stats' })).statusCode).toBe(401);
      for (const p of [`/jobs/${deadId}/retry`, '/jobs/bulk', '/queues/pause', '/queues/resume', '/notes', '/notes/0/delete']) {
        const res = await h.app.inject({ method: 'POST', url: `/admin${p}`, payload: encodeForm({ confirmed: '1' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        expect(res.statusCode, p).toBe(401);
      }
      expect((await errand.admin.getJob(deadId))?.state).toBe('dead');
      expect(notes.notes).toHaveLength(1);
    });

    it('refuses a forged or tampered session cookie', async () => {
      const [payload, mac] = s.cookie.split('=')[1].split('.');
      const forged = Buffer.from(JSON.stringify({ sid: 'x', exp: Date.now() + 1e9 })).toString('base64url');
      for (const cookie of [`errand_console=${forged}.${mac}`, `errand_console=${payload}.AAAA`, 'errand_console=garbage']) {
        const res = await h.app.inject({ url: '/admin/', headers: { cookie } });
        expect(res.statusCode).toBe(303);
      }
    });

    it('renders every page when signed in, with a strict CSP', async () => {
      for (const p of [...pages, `/jobs/${deadId}`, ...['scheduled', 'available', 'running', 'retryable', 'dead', 'completed'].map((st) => `/jobs?state=${st}`)]) {
        const res = await s.get(p);
        expect(res.statusCode, p).toBe(200);
        expect(res.headers['content-type']).toContain('text/html');
        expect(res.headers['content-security-policy']).toContain("script-src 'self'");
        expect(res.body).not.toMatch(/<script>(?!<\/script>)/);
      }
      const dash = await s.get('/');
      expect(dash.body).toContain('Last hour');
      expect(dash.body).toContain('Last 24 hours');
      expect(dash.body).toContain('data-src="/admin/api/stats"');
      const stats = (await s.get('/api/stats')).json();
      expect(stats.counts.dead).toBeGreaterThanOrEqual(1);
      expect(Array.isArray(stats.minutes)).toBe(true);
    });

    it('shows a dead job: payload, attempts, error with stack, timeline — and XSS renders as text', async () => {
      const res = await s.get(`/jobs/${deadId}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(XSS_SCRIPT);
      expect(res.body).not.toContain('<img src=x');
      expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(res.body).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
      expect(res.body).toContain('Stack trace');
      expect(res.body).toContain('Attempt 1 failed');
      expect(res.body).toContain('Enqueued');
      expect(res.body).toContain('1 of 1');
      const list = await s.get('/jobs?state=dead');
      expect(list.body).not.toContain(XSS_SCRIPT);
      expect(list.body).not.toContain('<img src=x');
      expect(list.body).toContain(`/admin/jobs/${deadId}`);
      const note = await s.get('/notes');
      expect(note.body).not.toContain(XSS_SCRIPT);
      expect(note.body).toContain('remember &lt;script&gt;');
    });

    it('404s and 400s with a page, never a 500', async () => {
      expect((await s.get('/jobs/999999999')).statusCode).toBe(404);
      expect((await s.get('/jobs/abc')).statusCode).toBe(400);
      expect((await s.get('/jobs?state=bogus')).statusCode).toBe(400);
      expect((await s.get('/notes/99')).statusCode).toBe(404);
      expect((await s.get('/nowhere')).statusCode).toBe(404);
      expect((await s.post('/jobs/1/explode', { confirmed: '1' })).statusCode).toBe(404);
      expect((await s.post('/jobs/bulk', { action: 'retry', state: 'dead', scope: 'ids', confirmed: '1' })).statusCode).toBe(400);
      expect((await s.post('/queues/pause', { confirmed: '1' })).statusCode).toBe(400);
    });

    it('pause and resume of an unknown or malformed queue: 404 or 400, no queue row, no metrics series', async () => {
      const before = (await errand.admin.queues()).map((q) => q.queue).sort();
      for (const [queue, code] of [
        ['<script>', 400],
        ['../../etc/passwd', 404], // a valid name (. and / are allowed), but unknown
        ['q'.repeat(200), 404],
        ['x'.repeat(201), 400],
        ['never-seen', 404],
      ] as const) {
        expect((await s.post('/queues/pause', { queue, confirmed: '1' })).statusCode, queue).toBe(code);
        expect((await s.post('/queues/resume', { queue })).statusCode, queue).toBe(code);
      }
      expect((await errand.admin.queues()).map((q) => q.queue).sort()).toEqual(before);
      const metrics = (await h.app.inject({ url: '/metrics' })).body;
      for (const name of ['never-seen', 'passwd', 'qqqq']) expect(metrics).not.toContain(name);
      expect((await s.get('/jobs?queue=%3Cscript%3E')).statusCode).toBe(400);
      await expect(errand.admin.pauseQueue('<script>')).rejects.toMatchObject({ code: 'ERRAND_BAD_OPTION' });
      // A queue the engine knows (it has a waiting job) still pauses and resumes.
      await errand.enqueueMany([noop.with({ n: 1 }, { queue: 'known-q', delayMs: 3_600_000 })]);
      expect((await s.post('/queues/pause', { queue: 'known-q', confirmed: '1' })).statusCode).toBe(303);
      expect((await errand.admin.queues()).find((q) => q.queue === 'known-q')?.paused).toBe(true);
      expect((await s.post('/queues/resume', { queue: 'known-q' })).statusCode).toBe(303);
      expect((await errand.admin.queues()).find((q) => q.queue === 'known-q')?.paused).toBe(false);
    });

    it('refuses every action without a CSRF token or with a wrong one (403), changing nothing', async () => {
      const cases: [string, Record<string, string>][] = [
        [`/jobs/${deadId}/retry`, { confirmed: '1' }],
        [`/jobs/${deadId}/delete`, { confirmed: '1' }],
        ['/jobs/bulk', { scope: 'filter', action: 'delete', state: 'dead', confirmed: '1' }],
        ['/queues/pause', { queue: 'default', confirmed: '1' }],
        ['/notes', { text: 'forged' }],
        ['/notes/0/delete', { confirmed: '1' }],
        ['/sign-out', {}],
      ];
      for (const [path, form] of cases) {
        expect((await s.post(path, form, { csrf: null })).statusCode, path).toBe(403);
        expect((await s.post(path, form, { csrf: 'wrong-token' })).statusCode, path).toBe(403);
      }
      expect((await errand.admin.getJob(deadId))?.state).toBe('dead');
      expect((await errand.admin.queues()).find((q) => q.queue === 'default')?.paused ?? false).toBe(false);
      expect(notes.notes).toEqual([`remember ${XSS_SCRIPT}`]);
      // A POST from another site is refused even with a token.
      const res = await h.app.inject({
        method: 'POST',
        url: `/admin/jobs/${deadId}/retry`,
        headers: { cookie: s.cookie, origin: 'https://evil.example', host: 'localhost:80', 'content-type': 'application/x-www-form-urlencoded' },
        payload: encodeForm({ _csrf: s.csrf, confirmed: '1' }),
      });
      expect(res.statusCode).toBe(403);
    });

    it('asks for confirmation, then retries a dead job now', async () => {
      const ask = await s.post(`/jobs/${deadId}/retry`, {});
      expect(ask.statusCode).toBe(200);
      expect(ask.body).toContain('name="confirmed" value="1"');
      expect((await errand.admin.getJob(deadId))?.state).toBe('dead');
      const res = await s.post(`/jobs/${deadId}/retry`, { confirmed: '1' });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe(`/admin/jobs/${deadId}?done=retry&n=1&of=1`);
      expect((await errand.admin.getJob(deadId))?.state).toBe('available');
      const page = await s.get(String(res.headers.location).replace('/admin', ''));
      expect(page.body).toContain('1 of 1 job retried.');
      await errand.drain(); // fails again: dead
      expect((await errand.admin.getJob(deadId))?.state).toBe('dead');
    });

    it('discards and deletes one job, each after confirmation', async () => {
      const [a, b] = await errand.enqueueMany([noop.with({ n: 1 }, { queue: 'solo', delayMs: 3_600_000 }), noop.with({ n: 2 }, { queue: 'solo', delayMs: 3_600_000 })]);
      expect((await s.post(`/jobs/${a.id}/discard`, {})).statusCode).toBe(200);
      expect((await errand.admin.getJob(a.id))?.state).toBe('scheduled');
      expect((await s.post(`/jobs/${a.id}/discard`, { confirmed: '1' })).statusCode).toBe(303);
      const discarded = await errand.admin.getJob(a.id);
      expect(discarded?.state).toBe('dead');
      expect(discarded?.errors.at(-1)?.kind).toBe('discarded');
      const del = await s.post(`/jobs/${b.id}/delete`, { confirmed: '1' });
      expect(del.statusCode).toBe(303);
      expect(del.headers.location).toContain('/admin/jobs?state=scheduled&queue=solo&done=delete');
      expect(await errand.admin.getJob(b.id)).toBeNull();
    });

    it('cancels a job from its page after confirmation, and shows it cancelled', async () => {
      const [a] = await errand.enqueueMany([noop.with({ n: 7 }, { queue: 'cancelq', delayMs: 3_600_000 })]);
      const before = await s.get(`/jobs/${a.id}`);
      expect(before.body).toContain(`/jobs/${a.id}/cancel`);
      const ask = await s.post(`/jobs/${a.id}/cancel`, {});
      expect(ask.statusCode).toBe(200);
      expect(ask.body).toContain('be cancelled');
      expect((await errand.admin.getJob(a.id))?.state).toBe('scheduled');
      const res = await s.post(`/jobs/${a.id}/cancel`, { confirmed: '1' });
      expect(res.statusCode).toBe(303);
      expect((await errand.admin.getJob(a.id))?.state).toBe('cancelled');
      const page = await s.get(String(res.headers.location).replace('/admin', ''));
      expect(page.body).toContain('1 of 1 job cancelled');
      expect(page.body).toContain('badge-cancelled');
      expect((await s.get('/jobs?state=cancelled')).body).toContain(`/jobs/${a.id}`);
    });

    it('shows a completed job’s result and last progress, and an unfinished job’s progress live', async () => {
      const [done] = await errand.enqueueMany([reporter.with({ n: 4 }, { queue: 'reportq' })]);
      await errand.drain({ queue: 'reportq' });
      const page = await s.get(`/jobs/${done.id}`);
      expect(page.body).toContain('<h2>Result</h2>');
      expect(page.body).toContain('&quot;total&quot;: 8');
      expect(page.body).toContain('&lt;b&gt;x&lt;/b&gt;');
      expect(page.body).toContain('&quot;done&quot;: 4');
      expect(page.body).not.toContain('data-src=');
      const [waiting] = await errand.enqueueMany([reporter.with({ n: 1 }, { queue: 'reportq', delayMs: 3_600_000 })]);
      const live = await s.get(`/jobs/${waiting.id}`);
      expect(live.body).toContain(`data-src="/admin/api/jobs/${waiting.id}"`);
      expect(live.body).toContain('none reported yet');
      const api = await s.get(`/api/jobs/${waiting.id}`);
      expect(api.statusCode).toBe(200);
      expect(JSON.parse(api.body)).toEqual({ id: waiting.id, state: 'scheduled', attempt: 0, progress: null });
      expect((await s.get('/api/jobs/999999999')).statusCode).toBe(404);
    });

    it('lists schedules with next and last run and the jobs made, and pauses (after confirmation) and resumes one', async () => {
      expect((await s.get('/schedules')).body).toContain('No schedule yet');
      const sched = await createErrand({
        databaseUrl: backend.url,
        logger: errand.logger,
        schedules: [defineSchedule({ name: 'nightly.report', cron: '0 3 * * *', job: noop, payload: { note: '<i>n</i>' }, timezone: 'Europe/Paris' })],
      });
      const w = sched.worker({ queues: { default: 1 } });
      await w.start();
      await eventually(async () => (await errand.admin.schedules()).some((x) => x.name === 'nightly.report'), 5000, 'schedule recorded');
      await w.stop();
      await sched.close();
      const page = await s.get('/schedules');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('nightly.report');
      expect(page.body).toContain('Europe/Paris');
      expect(page.body).toContain('0 3 * * *');
      expect(page.body).toContain('/admin/schedules/pause');
      const ask = await s.post('/schedules/pause', { name: 'nightly.report' });
      expect(ask.statusCode).toBe(200);
      expect((await errand.admin.schedules())[0].paused).toBe(false);
      const paused = await s.post('/schedules/pause', { name: 'nightly.report', confirmed: '1' });
      expect(paused.statusCode).toBe(303);
      expect((await errand.admin.schedules())[0].paused).toBe(true);
      expect((await s.get(String(paused.headers.location).replace('/admin', ''))).body).toContain('Schedule nightly.report paused.');
      expect((await s.post('/schedules/resume', { name: 'nightly.report' })).statusCode).toBe(303);
      expect((await errand.admin.schedules())[0].paused).toBe(false);
      expect((await s.post('/schedules/resume', { name: 'nope' })).statusCode).toBe(404);
    });

    it('bulk: acts on selected ids and on every job matching a filter, after confirmation', async () => {
      const jobs = await errand.enqueueMany(
        Array.from({ length: 6 }, (_, i) => noop.with({ n: i, email: i < 3 ? `match-${i}@example.com` : `other-${i}@example.com` }, { queue: 'bulkq', delayMs: 3_600_000 })),
      );
      const ids = jobs.map((j) => String(j.id));
      const ask = await s.post('/jobs/bulk', { scope: 'ids', action: 'discard', state: 'scheduled', id: ids.slice(0, 2) });
      expect(ask.statusCode).toBe(200);
      expect(ask.body).toContain('2 selected jobs');
      const sel = await s.post('/jobs/bulk', { scope: 'ids', action: 'discard', state: 'scheduled', id: ids.slice(0, 2), confirmed: '1' });
      expect(sel.statusCode).toBe(303);
      expect(sel.headers.location).toContain('done=discard&n=2&of=2');
      expect((await errand.admin.getJob(jobs[0].id))?.state).toBe('dead');
      const filterForm = { scope: 'filter', action: 'retry', state: 'scheduled', queue: 'bulkq', name: 'noop', search: 'MATCH-' };
      expect((await s.post('/jobs/bulk', filterForm)).body).toContain('payload containing');
      const all = await s.post('/jobs/bulk', { ...filterForm, confirmed: '1' });
      expect(all.statusCode).toBe(303);
      expect(all.headers.location).toContain('n=1'); // match-2 only: match-0/1 were discarded
      expect((await errand.admin.getJob(jobs[2].id))?.state).toBe('available');
      expect((await errand.admin.getJob(jobs[3].id))?.state).toBe('scheduled');
      const gone = await s.post('/jobs/bulk', { scope: 'filter', action: 'delete', state: 'scheduled', queue: 'bulkq', confirmed: '1' });
      expect(gone.headers.location).toContain('n=3');
      expect(await errand.admin.getJob(jobs[5].id)).toBeNull();
    });

    it('lists jobs by state with filters, payload search and keyset paging (next-to-run first)', async () => {
      const base = Date.now() + 7_200_000;
      const made = await errand.enqueueMany(
        Array.from({ length: 120 }, (_, i) => noop.with({ n: i, email: i === 77 ? 'needle@example.com' : 'hay@example.com' }, { queue: 'pageq', runAt: new Date(base + i * 1000) })),
      );
      const p1 = await s.get('/jobs?state=scheduled&queue=pageq');
      const rows = (body: string) => [...body.matchAll(/<tr>\s*<td class="check"><input type="checkbox" name="id" value="(\d+)"/g)].map((m) => Number(m[1]));
      expect(rows(p1.body)).toEqual(made.slice(0, 50).map((j) => j.id));
      const next = /rel="next" href="([^"]+)"/.exec(p1.body)?.[1].replaceAll('&amp;', '&');
      expect(next).toBeTruthy();
      expect(next).toContain('cursor=');
      const p2 = await s.get(next!.replace('/admin', ''));
      expect(rows(p2.body)).toEqual(made.slice(50, 100).map((j) => j.id));
      const p3 = await s.get(/rel="next" href="([^"]+)"/.exec(p2.body)![1].replaceAll('&amp;', '&').replace('/admin', ''));
      expect(rows(p3.body)).toEqual(made.slice(100).map((j) => j.id));
      expect(p3.body).not.toContain('rel="next"');
      const found = await s.get('/jobs?state=scheduled&queue=pageq&name=noop&search=NEEDLE');
      expect(rows(found.body)).toEqual([made[77].id]);
      expect((await s.get('/jobs?state=scheduled&queue=pageq&name=other')).body).toContain('No scheduled jobs match this filter');
      // completed: newest first
      const done = await errand.enqueueMany([noop.with({ n: 1 }, { queue: 'doneq' }), noop.with({ n: 2 }, { queue: 'doneq' })]);
      await errand.drain();
      const c = await s.get('/jobs?state=completed&queue=doneq');
      const ids = [...c.body.matchAll(/href="\/admin\/jobs\/(\d+)" class="jobname"/g)].map((m) => Number(m[1]));
      expect(ids).toEqual([done[1].id, done[0].id]);
      await s.post('/jobs/bulk', { scope: 'filter', action: 'delete', state: 'scheduled', queue: 'pageq', confirmed: '1' });
    });

    it('queues: counts by state, latency, pause (confirmed) and resume', async () => {
      await errand.enqueueMany([noop.with({ n: 1 }, { queue: 'mail' }), noop.with({ n: 2 }, { queue: 'mail', delayMs: 60_000 })]);
      const page = await s.get('/queues');
      expect(page.body).toContain('data-queue="mail"');
      expect(page.body).toMatch(/Resume|Pause/);
      expect((await s.post('/queues/pause', { queue: 'mail' })).body).toContain('Pause queue mail?');
      const paused = await s.post('/queues/pause', { queue: 'mail', confirmed: '1' });
      expect(paused.statusCode).toBe(303);
      expect((await errand.admin.queues()).find((q) => q.queue === 'mail')?.paused).toBe(true);
      const after = await s.get(String(paused.headers.location).replace('/admin', ''));
      expect(after.body).toContain('Queue mail paused.');
      expect(after.body).toContain('badge-paused');
      expect((await s.post('/queues/resume', { queue: 'mail', confirmed: '1' })).statusCode).toBe(303);
      expect((await errand.admin.queues()).find((q) => q.queue === 'mail')?.paused).toBe(false);
    });

    it('queues: each rate limit and how full its window is, keys escaped', async () => {
      expect((await s.get('/queues')).body).not.toContain('id="rate-limits"'); // no limit, no card
      await errand.admin.setRateLimit('limited-q', { limit: 3, intervalMs: 60_000, perKey: true });
      await errand.admin.setRateLimit('flat-q', { limit: 20, intervalMs: 1000 });
      // Windows are whole minutes of the clock: three starts that straddle a minute's end count
      // in two windows (CI once met one). Start clear of the end.
      const leftMs = 60_000 - (Date.now() % 60_000);
      if (leftMs < 5000) await new Promise((r) => setTimeout(r, leftMs + 50));
      await errand.enqueueMany([
        noop.with({ n: 1 }, { queue: 'limited-q', rateLimitKey: XSS_SCRIPT }),
        noop.with({ n: 2 }, { queue: 'limited-q', rateLimitKey: XSS_SCRIPT }),
        noop.with({ n: 3 }, { queue: 'limited-q', rateLimitKey: 'cust_2' }),
      ]);
      const w = errand.worker({ queues: { 'limited-q': 2 } });
      await w.start();
      await eventually(async () => (await errand.admin.rateLimits()).find((l) => l.queue === 'limited-q')?.used === 3, 10_000, 'three starts counted');
      await w.stop();
      const page = (await s.get('/queues')).body;
      const row = page.slice(page.indexOf('data-rate-limit="limited-q"'), page.indexOf('</tr>', page.indexOf('data-rate-limit="limited-q"')));
      expect(row).toContain('3 per minute');
      expect(row).toContain('per key');
      expect(row).toContain('3 starts over 2 keys');
      expect(row).toContain('<meter min="0" max="3" value="2"');
      expect(row).toContain('&lt;script&gt;alert(1)&lt;/script&gt;</span> 2');
      expect(page).not.toContain(XSS_SCRIPT);
      expect(page).toContain('data-rate-limit="flat-q"');
      expect(page).toContain('20 per second');
      expect(page).toContain('0 / 20');
      await errand.admin.removeRateLimit('limited-q');
      await errand.admin.removeRateLimit('flat-q');
    });

    it('workers: shows the live worker, its queues and running job; the job page names its worker', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const slow = defineJob<{ x: number }>({ name: 'slow', handler: () => gate, maxAttempts: 1 });
      errand.register(slow);
      const started = waitForEvent(errand, 'job:start', (e) => e.job.name === 'slow');
      const job = await errand.enqueue(slow, { x: 1 }, { queue: 'slowq' });
      const worker = errand.worker({ queues: { slowq: 2 } });
      await worker.start();
      try {
        const { workerId } = await started;
        const page = await eventually(async () => {
          const r = await s.get('/workers');
          return r.body.includes(workerId) ? r : null;
        });
        expect(page!.body).toContain(String(process.pid));
        expect(page!.body).toContain('slowq <b>2</b>');
        const detail = await s.get(`/jobs/${job.id}`);
        expect(detail.body).toContain(workerId);
        expect(detail.body).toContain('badge-running');
      } finally {
        release();
        await worker.stop();
      }
      expect((await errand.admin.getJob(job.id))?.state).toBe('completed');
    });

    it('serves Prometheus metrics at the app root', async () => {
      const res = await h.app.inject({ url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      for (const name of [
        'errand_jobs_processed_total',
        'errand_jobs_failed_total',
        'errand_job_duration_seconds_bucket',
        'errand_job_latency_seconds_bucket',
        'errand_queue_jobs{queue="mail",state="available"}',
        'errand_jobs_by_state{state="dead"}',
        'errand_test_notes 1',
      ]) {
        expect(res.body, name).toContain(name);
      }
    });

    it('signs out (POST with CSRF) and the old page redirects to sign-in', async () => {
      const other = await h.signIn();
      const out = await other.post('/sign-out', {});
      expect(out.statusCode).toBe(303);
      expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    });
  });
}
