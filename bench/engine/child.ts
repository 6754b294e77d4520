/**
 * One measurement in a fresh process (fair JIT and memory): `tsx bench/engine/child.ts '<json>'`.
 * Prints one line `RESULT {json}`. Modes:
 *  - burndown: fresh tables, one bulk insert of N no-ops (timed: the bulk-enqueue figure), then
 *    the worker starts (in this process, or in `procs` forked processes) and the clock runs until
 *    the system's own storage says every job is completed. Then, if asked, latency on fresh tables.
 *  - enqueue: fresh tables, N single enqueues from C concurrent callers, no worker.
 *  - xlatency: worker here, enqueues from a forked process (wake-up crosses processes).
 *  - worker / sender: the forked helpers of the modes above.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freshDatabase } from '../lib/env.js';
import { percentile, sleep } from '../lib/stats.js';
import { makeSystem, type Payload, type SystemName, type WorkerConfig } from './systems.js';

export interface ChildArgs {
  mode: 'burndown' | 'enqueue' | 'xlatency' | 'ceiling' | 'worker' | 'sender';
  system: SystemName;
  cfg: WorkerConfig;
  procs?: number;
  jobs?: number;
  callers?: number;
  latency?: { warmup: number; samples: number; capMs: number };
  /** Give up on a burn-down after this long and report the rate so far. */
  capMs?: number;
  location?: string;
  /** ceiling: connections looping claim+complete, and the claim batch size. */
  ceiling?: { connections: number; batch: number; pipelined?: boolean; maxComplete?: number; maxLead?: number; bare?: boolean };
}

export interface LatencyResult {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  timedOut: boolean;
}

export interface ChildResult {
  bulkInsertMs?: number;
  burndownMs?: number;
  completed?: number;
  timedOut?: boolean;
  jobsPerSec?: number;
  bulkJobsPerSec?: number;
  rssPeakMB?: number;
  /** Longest event-loop stall in the worker process during the burn-down (ms). */
  loopDelayMaxMs?: number;
  rssIdleMB?: number;
  rssBeforeMB?: number;
  latency?: LatencyResult;
  enqueueMs?: number;
  enqueuePerSec?: number;
  /** xlatency: CPU of the idle worker process over 3 s before the first job, in % of one core. */
  idleCpuPct?: number;
}

const SELF = fileURLToPath(import.meta.url);
const ENGINE_SQL = join(dirname(SELF), '../../packages/engine/sql/postgres/queries');
const now = () => performance.now();
const wall = () => performance.timeOrigin + performance.now();
const rssMB = () => process.memoryUsage.rss() / 2 ** 20;

/** The longest gap between 10 ms ticks beyond their due time: how long the event loop stalled. */
function loopStall(): { readonly max: number; stop(): void } {
  let last = now();
  let max = 0;
  const t = setInterval(() => {
    const n = now();
    max = Math.max(max, n - last - 10);
    last = n;
  }, 10);
  return {
    get max() {
      return max;
    },
    stop: () => clearInterval(t),
  };
}

function payloads(n: number): Payload[] {
  const t = wall();
  return Array.from({ length: n }, (_, i) => ({ i, t }));
}

function forkSelf(args: ChildArgs) {
  return fork(SELF, [JSON.stringify(args)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

async function burndown(a: ChildArgs): Promise<ChildResult> {
  const n = a.jobs ?? 50_000;
  const procs = a.procs ?? 1;
  const sys = makeSystem(a.system);
  const location = await sys.setup();
  const rssBeforeMB = rssMB();
  const b0 = now();
  await sys.bulkInsert(payloads(n));
  const bulkInsertMs = now() - b0;

  let handled = 0;
  let rssPeak = 0;
  let loopDelayMaxMs = 0;
  const children: ReturnType<typeof forkSelf>[] = [];
  let t0: number;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMB())), 100);
  const loop = loopStall();
  if (procs === 1) {
    t0 = now();
    await sys.startWorker(a.cfg, () => handled++);
  } else {
    // Siblings attach first (connections, migrations checked), then all start at once.
    const ready: Promise<void>[] = [];
    for (let k = 0; k < procs; k++) {
      const c = forkSelf({ ...a, mode: 'worker', location });
      children.push(c);
      ready.push(new Promise((resolve) => c.once('message', () => resolve())));
      c.on('message', (m: any) => {
        if (m.handled) handled += m.handled;
        if (m.rss) rssPeak = Math.max(rssPeak, m.rss);
        if (m.loopMax) loopDelayMaxMs = Math.max(loopDelayMaxMs, m.loopMax);
      });
    }
    await Promise.all(ready);
    t0 = now();
    for (const c of children) c.send({ go: true });
  }
  const cap = a.capMs ?? 30_000;
  let timedOut = false;
  while (handled < n) {
    if (now() - t0 > cap) {
      timedOut = true;
      break;
    }
    await sleep(5);
  }
  let left = await sys.remaining();
  while (left > 0 && !timedOut) {
    if (now() - t0 > cap) {
      timedOut = true;
      break;
    }
    await sleep(10);
    left = await sys.remaining();
  }
  const burndownMs = now() - t0;
  clearInterval(sampler);
  loop.stop();
  if (procs === 1) rssPeak = Math.max(rssPeak, rssMB());
  if (procs === 1) loopDelayMaxMs = loop.max;
  const completed = n - left;
  for (const c of children) c.send({ stop: true });
  await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
  await sys.stopWorker();
  await sys.close(true);
  const out: ChildResult = {
    bulkInsertMs, bulkJobsPerSec: (n / bulkInsertMs) * 1000, burndownMs, completed, timedOut,
    jobsPerSec: (completed / burndownMs) * 1000, rssPeakMB: rssPeak, rssBeforeMB, loopDelayMaxMs,
  };
  if (a.latency && procs === 1) Object.assign(out, await latency(a));
  return out;
}

async function latency(a: ChildArgs): Promise<ChildResult> {
  const { warmup, samples, capMs } = a.latency!;
  const sys = makeSystem(a.system);
  await sys.setup();
  const waiting = new Map<number, (at: number) => void>();
  await sys.startWorker(a.cfg, (p) => {
    const at = now();
    waiting.get(p.i)?.(at);
  });
  await sleep(1000);
  const rssIdleMB = rssMB();
  const lat: number[] = [];
  const t0 = now();
  let timedOut = false;
  // The warm-up ends after `warmup` jobs or 2 s, whichever comes first (a polling system takes
  // hundreds of ms per job); then `samples` jobs are measured, within capMs in all.
  let measuredFrom = -1;
  for (let i = 0; measuredFrom < 0 || i < measuredFrom + samples; i++) {
    if (measuredFrom < 0 && (i >= warmup || now() - t0 > 2000)) measuredFrom = i;
    if (now() - t0 > capMs) {
      timedOut = true;
      break;
    }
    const started = new Promise<number>((resolve) => waiting.set(i, resolve));
    const t = now();
    await sys.enqueue({ i, t: wall() });
    const at = await Promise.race([started, sleep(5000).then(() => Number.NaN)]);
    waiting.delete(i);
    if (measuredFrom >= 0 && Number.isFinite(at)) lat.push(at - t);
  }
  await sys.stopWorker();
  await sys.close(true);
  return { rssIdleMB, latency: summarize(lat, timedOut) };
}

function summarize(lat: number[], timedOut: boolean): LatencyResult {
  return {
    samples: lat.length, p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99),
    max: Math.max(...lat), mean: lat.reduce((x, y) => x + y, 0) / Math.max(1, lat.length), timedOut,
  };
}

async function enqueue(a: ChildArgs): Promise<ChildResult> {
  const n = a.jobs ?? 50_000;
  const callers = a.callers ?? 10;
  const sys = makeSystem(a.system);
  await sys.setup();
  let next = 0;
  let done = 0;
  const cap = a.capMs ?? 60_000;
  const t0 = now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < n && now() - t0 < cap) {
        const i = next++;
        await sys.enqueue({ i, t: 0 });
        done++;
      }
    }),
  );
  const enqueueMs = now() - t0;
  await sys.close(true);
  return { enqueueMs, enqueuePerSec: (done / enqueueMs) * 1000, completed: done, timedOut: done < n };
}

async function xlatency(a: ChildArgs): Promise<ChildResult> {
  const { warmup, samples, capMs } = a.latency!;
  const sys = makeSystem(a.system);
  const location = await sys.setup();
  const lat: number[] = [];
  let count = 0;
  const sender = forkSelf({ ...a, mode: 'sender', location });
  await sys.startWorker(a.cfg, (p) => {
    const l = wall() - p.t;
    if (p.i >= warmup) lat.push(l);
    count++;
    sender.send({ started: p.i });
  });
  const done = new Promise<void>((resolve) => sender.once('exit', () => resolve()));
  await new Promise<void>((resolve) => sender.once('message', () => resolve()));
  // The idle worker's CPU (this process: the worker, its poll timers and wake-ups), no job in sight.
  await sleep(500);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(3000);
  const used = process.cpuUsage(cpu0);
  const idleCpuPct = ((used.user + used.system) / 1000 / (performance.now() - t0)) * 100;
  sender.send({ go: true, warmup, samples, capMs });
  await done;
  await sys.stopWorker();
  await sys.close(true);
  return { latency: summarize(lat, count < warmup + samples), idleCpuPct };
}

async function workerMode(a: ChildArgs): Promise<void> {
  const sys = makeSystem(a.system);
  await sys.attach(a.location!);
  let handled = 0;
  let reported = 0;
  let rss = 0;
  process.send!({ ready: true });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const loop = loopStall();
  await sys.startWorker(a.cfg, () => handled++);
  const timer = setInterval(() => {
    rss = Math.max(rss, rssMB());
    process.send!({ handled: handled - reported, rss, loopMax: loop.max });
    reported = handled;
  }, 20);
  await new Promise<void>((resolve) => process.on('message', (m: any) => m.stop && resolve()));
  clearInterval(timer);
  process.send!({ handled: handled - reported, rss: Math.max(rss, rssMB()), loopMax: loop.max });
  await sys.stopWorker();
  await sys.close(false);
  process.exit(0);
}

async function senderMode(a: ChildArgs): Promise<void> {
  const sys = makeSystem(a.system);
  await sys.attach(a.location!);
  const waiting = new Map<number, () => void>();
  process.on('message', (m: any) => {
    if (m.started !== undefined) waiting.get(m.started)?.();
  });
  process.send!({ ready: true });
  const go: any = await new Promise((resolve) => process.once('message', resolve));
  const t0 = now();
  for (let i = 0; i < go.warmup + go.samples && now() - t0 < go.capMs; i++) {
    const started = new Promise<void>((resolve) => waiting.set(i, resolve));
    await sys.enqueue({ i, t: wall() });
    await Promise.race([started, sleep(5000)]);
  }
  await sys.close(false);
  process.exit(0);
}

/**
 * The SQL ceiling: Errand's own claim.sql and complete.sql (read from the engine's files, so it
 * follows the engine), looped from bare pg connections with no engine, no handler, no events.
 */
async function ceiling(a: ChildArgs): Promise<ChildResult> {
  if (a.ceiling?.bare) return bareSql(a);
  const n = a.jobs ?? 50_000;
  const { connections, batch } = a.ceiling ?? { connections: 2, batch: 20 };
  const sys = makeSystem('errand-pg');
  const url = await sys.setup();
  await sys.bulkInsert(payloads(n));
  const claimSql = readFileSync(join(ENGINE_SQL, 'claim.sql'), 'utf8');
  const completeSql = readFileSync(join(ENGINE_SQL, 'complete.sql'), 'utf8');
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  const rssBeforeMB = rssMB();
  const t0 = now();
  if (a.ceiling?.pipelined) {
    // What Errand's worker does, minus the engine: connections[0..n-2] each keep one claim in
    // flight; the last connection completes everything claimed so far in one statement (group
    // commit, ≤ maxComplete); claimers pause while maxLead claimed jobs wait for their write.
    const workerId = `ceiling:${process.pid}`;
    const pending: number[] = [];
    let claimers = clients.length - 1;
    const signal: { wake: (() => void) | null } = { wake: null };
    const maxLead = a.ceiling?.maxLead ?? Number.POSITIVE_INFINITY;
    const claim = async (c: pg.Client) => {
      for (;;) {
        while (pending.length >= maxLead) await new Promise<void>((r) => setImmediate(r));
        const { rows } = await c.query(claimSql, ['default', batch, workerId, 15_000]);
        for (const r of rows) pending.push(r.id);
        signal.wake?.();
        if (rows.length === 0) break;
      }
      claimers--;
      signal.wake?.();
    };
    const completer = (async () => {
      for (;;) {
        if (pending.length === 0) {
          if (claimers === 0) return;
          await new Promise<void>((r) => (signal.wake = r));
          signal.wake = null;
          continue;
        }
        const ids = pending.splice(0, a.ceiling?.maxComplete ?? 1000);
        await clients.at(-1)!.query(completeSql, [ids, workerId]);
      }
    })();
    await Promise.all([...clients.slice(0, -1).map(claim), completer]);
  } else
  await Promise.all(
    clients.map(async (c, k) => {
      const workerId = `ceiling:${process.pid}:${k}`;
      for (;;) {
        const { rows } = await c.query(claimSql, ['default', batch, workerId, 15_000]);
        if (rows.length === 0) return;
        await c.query(completeSql, [rows.map((r) => r.id), workerId]);
      }
    }),
  );
  const burndownMs = now() - t0;
  await Promise.all(clients.map((c) => c.end()));
  const left = await sys.remaining();
  await sys.close(true);
  return { burndownMs, completed: n - left, timedOut: false, jobsPerSec: ((n - left) / burndownMs) * 1000, rssBeforeMB };
}

/**
 * The hardware's limit, not Errand's schema: a minimal jobs table (id, payload, a state) and the
 * textbook queue loop — claim `batch` with FOR UPDATE SKIP LOCKED, then delete what was claimed
 * — from `connections` bare pg connections. No leases, attempts, history or indexes beyond the
 * key and one partial index: what any PostgreSQL job system is measured against.
 */
async function bareSql(a: ChildArgs): Promise<ChildResult> {
  const n = a.jobs ?? 50_000;
  const { connections, batch } = a.ceiling ?? { connections: 2, batch: 100 };
  const db = await freshDatabase('bare');
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      return c;
    }),
  );
  const [first] = clients;
  await first.query('CREATE TABLE bare_jobs (id bigserial PRIMARY KEY, payload jsonb NOT NULL, state smallint NOT NULL DEFAULT 0)');
  await first.query('CREATE INDEX bare_jobs_ready ON bare_jobs (id) WHERE state = 0');
  await first.query(`INSERT INTO bare_jobs (payload) SELECT jsonb_build_object('i', g, 't', 0) FROM generate_series(1, $1) AS g`, [n]);
  await first.query('VACUUM ANALYZE bare_jobs');
  const claim = `UPDATE bare_jobs SET state = 1 WHERE id IN (
      SELECT id FROM bare_jobs WHERE state = 0 ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
    ) RETURNING id, payload`;
  const rssBeforeMB = rssMB();
  const t0 = now();
  await Promise.all(
    clients.map(async (c) => {
      for (;;) {
        const { rows } = await c.query(claim, [batch]);
        if (rows.length === 0) return;
        await c.query('DELETE FROM bare_jobs WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      }
    }),
  );
  const burndownMs = now() - t0;
  const left = Number((await first.query('SELECT count(*) AS n FROM bare_jobs')).rows[0].n);
  await Promise.all(clients.map((c) => c.end()));
  await db.drop();
  return { burndownMs, completed: n - left, timedOut: false, jobsPerSec: ((n - left) / burndownMs) * 1000, rssBeforeMB };
}

// Dropping a run's database (WITH (FORCE)) ends idle pooled connections some libraries still
// hold after their close(); those report 57P01 on their pool. That is the end of the run, not
// an error in it.
process.on('uncaughtException', (err: Error & { code?: string }) => {
  if (err?.code === '57P01') return;
  console.error(err);
  process.exit(1);
});

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2]) as ChildArgs;
  if (a.mode === 'worker') return workerMode(a);
  if (a.mode === 'sender') return senderMode(a);
  const run = { burndown, enqueue, xlatency, ceiling }[a.mode];
  const result = await run(a);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
