/**
 * Where Errand's enqueue-to-start time goes on PostgreSQL: the driver's insertJobs and claimJobs
 * are wrapped to timestamp each job's path (enqueue call → insert committed → the claim that
 * brought it starts → that claim returns → handler starts). Same protocol as the engine
 * benchmark's latency phase. `npx tsx bench/engine/latency-probe.ts [samples] [redis]` (redis: Errand
 * on Redis, a fresh key prefix on the bench's Redis server, instead of a fresh PostgreSQL database).
 */
import { createErrand, defineJob } from 'errand';
import pino from 'pino';
import { freshDatabase, REDIS_URL } from '../lib/env.js';
import { deleteRedisKeys } from './systems.js';
import { percentile, sleep } from '../lib/stats.js';

const SAMPLES = Number(process.argv[2] ?? 1000);
const now = () => performance.now();
const waiting = new Map<number, (t: number) => void>();
const job = defineJob<{ i: number }>({
  name: 'noop',
  handler: async (p) => {
    waiting.get(p.i)?.(now());
  },
});

async function main(): Promise<void> {
  const onRedis = process.argv[3] === 'redis';
  const prefix = `bench_errand_${process.pid}_${Date.now()}`;
  const db = onRedis ? { url: `${REDIS_URL}/0?prefix=${prefix}`, drop: async () => void (await deleteRedisKeys(`${prefix}:*`)) } : await freshDatabase('probe');
  const errand = await createErrand({ databaseUrl: db.url, jobs: [job], logger: pino({ level: 'warn' }) });
  const d = (errand as any).driver; // the internal driver seam, wrapped to timestamp its calls
  const marks = new Map<number, { inserted?: number; claimStart?: number; claimEnd?: number; claimSize?: number }>();
  const insert = d.insertJobs.bind(d);
  d.insertJobs = async (...args: unknown[]) => {
    const r = await insert(...args);
    const t = now();
    for (const row of args[0] as { payload: string }[]) marks.set(JSON.parse(row.payload).i, { inserted: t });
    return r;
  };
  const claim = d.claimJobs.bind(d);
  let claims = 0;
  let emptyClaims = 0;
  d.claimJobs = async (...args: unknown[]) => {
    const t = now();
    const r = await claim(...args);
    claims++;
    if (r.length === 0) emptyClaims++;
    for (const j of r) Object.assign(marks.get(j.payload.i) ?? {}, { claimStart: t, claimEnd: now(), claimSize: r.length });
    return r;
  };
  const w = errand.worker({ queues: { default: 20 }, prefetch: 20 });
  await w.start();
  await sleep(1000);
  const seg: Record<string, number[]> = { 'enqueue call → insert committed': [], 'insert committed → claim sent': [], 'claim round trip': [], 'claim returned → handler': [], total: [] };
  for (let i = 0; i < 100 + SAMPLES; i++) {
    const started = new Promise<number>((r) => waiting.set(i, r));
    const t0 = now();
    await errand.enqueue(job, { i });
    const th = await started;
    const m = marks.get(i)!;
    if (i < 100 || m.claimStart === undefined) continue;
    seg['enqueue call → insert committed'].push(m.inserted! - t0);
    seg['insert committed → claim sent'].push(m.claimStart - m.inserted!);
    seg['claim round trip'].push(m.claimEnd! - m.claimStart);
    seg['claim returned → handler'].push(th - m.claimEnd!);
    seg.total.push(th - t0);
  }
  if (process.env.PROBE_WORST) {
    const order = seg.total.map((t, k) => [t, k] as const).sort((a, b) => b[0] - a[0]).slice(0, Number(process.env.PROBE_WORST));
    for (const [, k] of order) console.log(`worst: ${Object.entries(seg).map(([name, xs]) => `${name.split(' ')[0]}…${xs[k].toFixed(2)}`).join('  ')}`);
  }
  for (const [k, xs] of Object.entries(seg)) console.log(`${k.padEnd(34)} p50 ${percentile(xs, 50).toFixed(2).padStart(7)} ms   p95 ${percentile(xs, 95).toFixed(2).padStart(7)} ms   p99 ${percentile(xs, 99).toFixed(2).padStart(7)} ms`);
  const negative = seg['insert committed → claim sent'].filter((x) => x < 0).length;
  console.log(`claims: ${claims} (${emptyClaims} empty) for ${100 + SAMPLES} jobs; ${negative} jobs were claimed by a claim sent before their insert returned`);
  await w.stop();
  await errand.close();
  await db.drop();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
