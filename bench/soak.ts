/**
 * Memory soak: `npm run bench -- --soak` or `npx tsx bench/soak.ts [--minutes 5] [--rate 500] [--db postgres|sqlite]`.
 * One process enqueues no-op jobs at a steady rate (single enqueues, as a web app would) and runs
 * an Errand worker of concurrency 20 on them; every 5 s it forces a GC and samples RSS and heap.
 * Growth = mean RSS of the last minute minus that of the first minute (after a 30 s warm-up),
 * plus the least-squares slope. Writes bench/results/soak.json.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSystem, type SystemName } from './engine/systems.js';
import { fmt, sleep } from './lib/stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const MINUTES = Number(flag('minutes', '5'));
const RATE = Number(flag('rate', '500'));
const DB = flag('db', 'postgres');
const WARMUP_S = 30;

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    // Re-run with --expose-gc so each sample sees live memory, not garbage not yet collected.
    const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  const system: SystemName = DB === 'sqlite' ? 'errand-sqlite' : 'errand-pg';
  const sys = makeSystem(system);
  await sys.setup();
  let completed = 0;
  await sys.startWorker({ concurrency: 20, batch: 20 }, () => completed++);
  const samples: { t: number; rssMB: number; heapMB: number; completed: number }[] = [];
  const t0 = performance.now();
  const end = t0 + MINUTES * 60_000;
  let sent = 0;
  let i = 0;
  const sampler = setInterval(() => {
    gc!();
    const m = process.memoryUsage();
    const t = (performance.now() - t0) / 1000;
    samples.push({ t, rssMB: m.rss / 2 ** 20, heapMB: m.heapUsed / 2 ** 20, completed });
    if (samples.length % 6 === 0) console.log(`${t.toFixed(0)} s: RSS ${fmt(m.rss / 2 ** 20)} MB, heap ${fmt(m.heapUsed / 2 ** 20)} MB, ${completed} completed, ${sent - completed} behind`);
  }, 5000);
  // Up to 10 enqueues in flight (a web app's concurrent requests), so the rate holds even when
  // one enqueue takes longer than 1/RATE.
  let inflight = 0;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
    while (sent < due && inflight < 10) {
      inflight++;
      sent++;
      void sys.enqueue({ i: i++, t: 0 }).finally(() => inflight--);
    }
    await sleep(5);
  }
  while (inflight > 0) await sleep(5);
  clearInterval(sampler);
  await sys.stopWorker();
  await sys.close(true);
  const after = samples.filter((s) => s.t >= WARMUP_S);
  const first = after.filter((s) => s.t < WARMUP_S + 60);
  const last = after.filter((s) => s.t >= MINUTES * 60 - 60);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const firstMinuteMB = mean(first.map((s) => s.rssMB));
  const lastMinuteMB = mean(last.map((s) => s.rssMB));
  const slope = slopePerMinute(after.map((s) => [s.t, s.rssMB]));
  const growthMB = lastMinuteMB - firstMinuteMB;
  const verdict = { firstMinuteMB, lastMinuteMB, growthMB, slopeMBPerMin: slope, grows: growthMB > 10 && slope > 1 };
  console.log(`\nRSS first minute ${fmt(firstMinuteMB)} MB, last minute ${fmt(lastMinuteMB)} MB, growth ${fmt(growthMB, 1)} MB, slope ${fmt(slope, 2)} MB/min: ${verdict.grows ? 'GROWS' : 'flat'}`);
  const out = {
    benchmark: 'soak', command: `npx tsx bench/soak.ts ${process.argv.slice(2).join(' ')}`.trim(), database: system, rate: RATE,
    actualRate: sent / (MINUTES * 60),
    durationSec: MINUTES * 60, completed, sent, samples, verdict,
  };
  writeFileSync(join(HERE, 'results/soak.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.exit(0);
}

function slopePerMinute(pts: number[][]): number {
  if (pts.length < 2) return 0;
  const n = pts.length;
  const mx = pts.reduce((a, p) => a + p[0], 0) / n;
  const my = pts.reduce((a, p) => a + p[1], 0) / n;
  const num = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const den = pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return den ? (num / den) * 60 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
