/**
 * Fills a fresh PostgreSQL database with 1,000,000 jobs across every state, through the engine's
 * API only, then times each console page (in process, through inject, signed in) and prints a
 * table.
 *
 *   npx tsx packages/console/bench/million.ts                 # a fresh database on PG_TEST_URL, dropped after
 *   npx tsx packages/console/bench/million.ts postgres://…    # this (empty) database, kept
 *   JOBS=200000 npx tsx packages/console/bench/million.ts      # fewer jobs
 *   TIME_ONLY=1 npx tsx packages/console/bench/million.ts postgres://…   # time pages of a filled database
 *
 * Before timing it runs VACUUM ANALYZE errand_jobs (what autovacuum does on a real server; the
 * test server runs with autovacuum off, and without statistics PostgreSQL plans badly).
 *
 * The mix: 15% completed (run by a real worker), 25% scheduled (runAt in the future), 20%
 * available (on a paused queue, as a backlog), ~40% dead (discarded in bulk via admin.bulk, plus
 * real failures with stacks), some retryable. Completed and dead pages read the same index
 * (state, id), so the dead share stands in for a long completed history: the engine's worker
 * on this machine completes ~3,000 jobs/s, and filling 550k completed would take minutes.
 * The worker's jobs sleep 10 ms (concurrency 30) to keep it under what its completer writes.
 */
import { writeFileSync } from 'node:fs';
import { createErrand, defineJob } from 'errand';
import Fastify from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import { createTestDatabase } from '../../engine/test/helpers/pg.js';
import { errandConsole, registerMetrics } from '../src/index.js';

const TOTAL = Number(process.env.JOBS ?? 1_000_000);
const BATCH = 50_000;
const RUNS = Number(process.env.RUNS ?? 7);

const given = process.argv[2];
const db = given ? null : await createTestDatabase('errand_million');
const databaseUrl = given ?? db!.url;
const errand = await createErrand({ databaseUrl, logger: pino({ level: 'fatal' }) });

const work = defineJob<{ email: string; order: number; note: string }>({ name: 'send-receipt', handler: () => new Promise((r) => setTimeout(r, 10)), maxAttempts: 3 });
const flaky = defineJob<{ email: string; order: number }>({
  name: 'charge',
  maxAttempts: 1,
  handler: async (p) => {
    throw new Error(`card_declined for order ${p.order}`);
  },
});
const retrying = defineJob<{ order: number }>({
  name: 'sync-inventory',
  maxAttempts: 20,
  handler: async () => {
    throw new Error('warehouse API 503');
  },
});
errand.register(work).register(flaky).register(retrying);

const t0 = Date.now();
const log = (s: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${s}`);
const payload = (i: number) => ({ email: `customer${i}@example.com`, order: i, note: `order ${i} of the bench` });

async function fill(n: number, make: (i: number) => ReturnType<typeof work.with>, label: string): Promise<void> {
  for (let start = 0; start < n; start += BATCH) {
    const size = Math.min(BATCH, n - start);
    await errand.enqueueMany(Array.from({ length: size }, (_, k) => make(start + k)));
  }
  log(`enqueued ${n.toLocaleString('en-US')} ${label}`);
}

const nCompleted = Math.round(TOTAL * 0.15);
const nScheduled = Math.round(TOTAL * 0.25);
const nAvailable = Math.round(TOTAL * 0.2);
const nFailing = 2_000;
const nRetrying = 500;
const nDiscard = TOTAL - nCompleted - nScheduled - nAvailable - nFailing - nRetrying;

if (!process.env.TIME_ONLY) {
  log(`filling ${databaseUrl.replace(/\/\/[^@]*@/, '//…@')} with ${TOTAL.toLocaleString('en-US')} jobs`);
  await errand.admin.pauseQueue('backlog');
  await fill(nAvailable, (i) => work.with(payload(i), { queue: 'backlog' }), 'available (paused queue backlog)');
  await fill(nScheduled, (i) => work.with(payload(i), { queue: 'mail', runAt: new Date(Date.now() + 86_400_000 + i * 1000) }), 'scheduled');
  await fill(nDiscard, (i) => work.with(payload(i), { queue: 'reports', runAt: new Date(Date.now() + 3_600_000) }), 'to discard');
  for (;;) {
    const changed = await errand.admin.bulk('discard', { state: 'scheduled', queue: 'reports' });
    if (changed.length === 0) break;
  }
  log(`discarded ${nDiscard.toLocaleString('en-US')} (dead)`);
  await fill(nCompleted, (i) => work.with(payload(i), { queue: 'default' }), 'to complete');
  await errand.enqueueMany(Array.from({ length: nFailing }, (_, i) => flaky.with({ email: `declined${i}@example.com`, order: i }, { queue: 'payments' })));
  await errand.enqueueMany(Array.from({ length: nRetrying }, (_, i) => retrying.with({ order: i }, { queue: 'inventory' })));
  const worker = errand.worker({ queues: { default: 30, payments: 10, inventory: 5 } });
  await worker.start();
  for (;;) {
    const q = await errand.admin.queues();
    const left = q.filter((x) => ['default', 'payments'].includes(x.queue)).reduce((s, x) => s + x.available + x.running, 0);
    const inv = q.find((x) => x.queue === 'inventory');
    if (left === 0 && (inv?.available ?? 0) + (inv?.running ?? 0) === 0) break;
    const running = q.reduce((s, x) => s + x.running, 0);
    log(`worker: ${left.toLocaleString('en-US')} left to run (${running.toLocaleString('en-US')} marked running)`);
    await new Promise((r) => setTimeout(r, 5000));
  }
  await worker.stop();
  log('worker done');
}
{
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  await c.query('VACUUM ANALYZE errand_jobs');
  await c.end();
  log('vacuumed and analyzed; timing pages');
}

const counts = await errand.admin.stateCounts(10_000_000);
const app = Fastify({ logger: false });
await app.register(errandConsole, { prefix: '/admin', errand, password: 'bench' });
registerMetrics(app, { errand });
await app.ready();
const signIn = await app.inject({ method: 'POST', url: '/admin/sign-in', payload: 'password=bench', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
const cookie = String(signIn.headers['set-cookie']).split(';')[0];
const dead = await errand.admin.listJobs({ state: 'dead', queue: 'payments', limit: 1 });
const completedPage = await errand.admin.listJobs({ state: 'completed', limit: 50 });
const scheduledPage = await errand.admin.listJobs({ state: 'scheduled', limit: 50 });

const pages: [string, string][] = [
  ['dashboard', '/admin/'],
  ['live stats JSON', '/admin/api/stats'],
  ['queues', '/admin/queues'],
  ['workers', '/admin/workers'],
  ['jobs: dead', '/admin/jobs?state=dead'],
  ['jobs: completed', '/admin/jobs?state=completed'],
  ['jobs: completed, page 2 (cursor)', `/admin/jobs?state=completed&cursor=${encodeURIComponent(completedPage.next ?? '')}`],
  ['jobs: scheduled', '/admin/jobs?state=scheduled'],
  ['jobs: scheduled, page 2 (cursor)', `/admin/jobs?state=scheduled&cursor=${encodeURIComponent(scheduledPage.next ?? '')}`],
  ['jobs: available', '/admin/jobs?state=available'],
  ['jobs: retryable', '/admin/jobs?state=retryable'],
  ['jobs: running', '/admin/jobs?state=running'],
  ['jobs: dead, queue=payments', '/admin/jobs?state=dead&queue=payments'],
  ['jobs: completed, name=charge (none)', '/admin/jobs?state=completed&name=charge'],
  ['jobs: completed, search hit (customer42@)', '/admin/jobs?state=completed&search=customer42%40'],
  ['jobs: completed, search miss', '/admin/jobs?state=completed&search=no-such-text'],
  ['jobs: available, search miss', '/admin/jobs?state=available&search=no-such-text'],
  ['job detail (dead, with stack)', `/admin/jobs/${dead.jobs[0]?.id ?? 1}`],
  ['metrics', '/metrics'],
];

const rows: string[] = [];
for (const [label, url] of pages) {
  const times: number[] = [];
  let status = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const res = await app.inject({ url, headers: { cookie } });
    times.push(performance.now() - start);
    status = res.statusCode;
  }
  const first = times[0];
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const max = times[times.length - 1];
  rows.push(`| ${label} | ${status} | ${first.toFixed(1)} | ${median.toFixed(1)} | ${max.toFixed(1)} | ${median < 200 ? 'yes' : '**no**'} |`);
  log(`${label}: first ${first.toFixed(1)} ms, median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
}

const table = [
  `Jobs: ${Object.entries(counts)
    .map(([s, n]) => `${s} ${n.toLocaleString('en-US')}`)
    .join(', ')} (PostgreSQL, ${RUNS} runs per page, in-process inject, signed in)`,
  '',
  '| page | status | first ms | median ms | max ms | median < 200 ms |',
  '|---|---|---|---|---|---|',
  ...rows,
].join('\n');
console.log(`\n${table}\n`);
writeFileSync(new URL('./million-results.md', import.meta.url), `${table}\n`);
await app.close();
await errand.close();
if (db && process.env.KEEP !== '1') await db.drop();
else console.log(`kept database: ${databaseUrl}`);
