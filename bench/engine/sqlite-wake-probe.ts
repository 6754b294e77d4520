/**
 * Where SQLite's cross-process enqueue-to-start goes: `npx tsx --conditions=@errand/source bench/engine/sqlite-wake-probe.ts [samples]`.
 * A worker in this process, an enqueuer forked beside it on the same file; per job: the enqueue
 * call (insert + commit, in the sender), the wake-up line's arrival here, the handler's start. All
 * times from the sender's wall clock (performance.timeOrigin + performance.now()).
 */
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createErrand, defineJob } from 'errand';
import { driverOf } from '../../packages/engine/src/client.js';
import pino from 'pino';
import { percentile } from '../lib/stats.js';

const wall = () => performance.timeOrigin + performance.now();
const started = new Map<number, number>();
let next: (() => void) | undefined;
const job = defineJob<{ i: number; t: number }>({
  name: 'probe',
  handler: (p) => {
    started.set(p.i, wall());
    next?.();
  },
});

if (process.argv[2] === 'sender') {
  const errand = await createErrand({ databaseUrl: process.argv[3], jobs: [job], logger: pino({ level: 'silent' }), migrate: false });
  process.on('message', async (m: { i: number }) => {
    const t = wall();
    await errand.enqueue(job, { i: m.i, t });
    process.send!({ i: m.i, t, committed: wall() });
  });
  process.send!({ ready: true });
} else {
  const samples = Number(process.argv[2] ?? 1000);
  const file = join(tmpdir(), `wake_probe_${process.pid}.db`);
  const url = `sqlite:${file}`;
  const errand = await createErrand({ databaseUrl: url, jobs: [job], logger: pino({ level: 'silent' }) });
  // The driver, wrapped: when the wake-up line arrived, when the claim that got the job began and ended.
  const driver = driverOf(errand) as any;
  let lastWake = 0;
  const claims = new Map<number, { start: number; end: number; wake: number }>();
  const listen = driver.listen.bind(driver);
  driver.listen = (onWake: (q: string) => void, ...rest: unknown[]) =>
    listen((q: string) => {
      lastWake = wall();
      onWake(q);
    }, ...rest);
  const claim = driver.claimJobs.bind(driver);
  driver.claimJobs = async (...args: unknown[]) => {
    const start = wall();
    const wake = lastWake;
    const jobs = await claim(...args);
    const end = wall();
    for (const j of jobs) claims.set(j.payload.i, { start, end, wake });
    return jobs;
  };
  const w = await errand.worker({ queues: { default: 20 } }).start();
  const child = fork(process.argv[1], ['sender', url], { execArgv: process.execArgv });
  const commits = new Map<number, { t: number; committed: number }>();
  await new Promise<void>((r) => child.once('message', () => r()));
  child.on('message', (m: { i: number; t: number; committed: number }) => commits.set(m.i, m));
  const rows: { enqueue: number; total: number; commitToWake: number; wakeToClaim: number; claim: number; claimToStart: number }[] = [];
  for (let i = 0; i < samples + 100; i++) {
    await new Promise<void>((r) => {
      next = r;
      child.send({ i });
    });
    await new Promise((r) => setTimeout(r, 1));
    const c = commits.get(i);
    const k = claims.get(i);
    if (i >= 100 && c && k) {
      rows.push({
        enqueue: c.committed - c.t, total: started.get(i)! - c.t, commitToWake: k.wake - c.committed, wakeToClaim: k.start - k.wake,
        claim: k.end - k.start, claimToStart: started.get(i)! - k.end,
      });
    }
  }
  const show = (k: keyof (typeof rows)[0]) => {
    const xs = rows.map((r) => r[k]).sort((a, b) => a - b);
    return `${k}: p50 ${percentile(xs, 50).toFixed(2)} p99 ${percentile(xs, 99).toFixed(2)} max ${xs.at(-1)!.toFixed(2)} ms`;
  };
  console.log(`${rows.length} samples`);
  for (const k of ['enqueue', 'commitToWake', 'wakeToClaim', 'claim', 'claimToStart', 'total'] as const) console.log(show(k));
  child.kill();
  await w.stop();
  await errand.close();
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-wake`]) rmSync(f, { force: true, recursive: true });
}
