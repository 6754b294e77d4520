/**
 * Engine against peers: `npm run bench:engine [-- --runs 3 --jobs 50000 --only errand]`.
 * Every measurement runs in a fresh child process on fresh tables; the list is walked round by
 * round (A B C … A B C …) so slow drift of the machine hits every system alike; figures are the
 * median of the runs. Prints tables and writes bench/results/engine.json.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildArgs, ChildResult } from './engine/child.js';
import type { SystemName, WorkerConfig } from './engine/systems.js';
import { BASELINE_LABEL, currentBuild, ensureBaseline } from './lib/baseline.js';
import { deleteStaleRedisKeys, dropStaleDatabases, machineInfo } from './lib/env.js';
import { runChild } from './lib/spawn.js';
import { fmt, median } from './lib/stats.js';
import { markdownTable } from './lib/table.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'engine/child.ts');

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const RUNS = Number(flag('runs', '3'));
const JOBS = Number(flag('jobs', '50000'));
const ENQUEUE_JOBS = Number(flag('enqueue-jobs', String(JOBS)));
const ONLY = flag('only', '');
const SAMPLES = Number(flag('samples', '1000'));
const LATENCY = { warmup: 100, samples: SAMPLES, capMs: 10_000 };
const CAP_MS = Number(flag('cap', '10000'));

export interface Item {
  key: string;
  label: string;
  kind: 'burndown' | 'enqueue' | 'xlatency' | 'ceiling';
  system: SystemName;
  group: 'errand' | 'peer' | 'ceiling';
  /** fastest: the peer's fastest documented setup; matched: our processes, concurrency and batch. */
  setup?: 'matched' | 'fastest' | 'ours';
  procs: number;
  cfg: WorkerConfig;
  latency?: boolean;
  /** This row's own latency settings (a polling worker needs 100 ms a sample: fewer of them). */
  latencyCfg?: { warmup: number; samples: number; capMs: number };
  ceiling?: { connections: number; batch: number; pipelined?: boolean; maxLead?: number; bare?: boolean };
  /** Extra names `--only` matches besides the key (e.g. 'redis': Errand on Redis beside BullMQ). */
  tags?: string[];
  /** Run a compiled engine: 'baseline', the one from before issue 12 (bench/lib/baseline.ts); 'build', this checkout's dist/. */
  engine?: 'baseline' | 'build';
  note: string;
}

const C = 20;
export const ITEMS: Item[] = [
  // -- burn-down (+ latency on fresh tables for the one-process setups)
  { key: 'errand-pg', label: 'Errand · PostgreSQL · 1×20', kind: 'burndown', system: 'errand-pg', group: 'errand', setup: 'ours', procs: 1, cfg: { concurrency: C, batch: C }, latency: true, note: 'concurrency 20, prefetch 20 growing to 1000 while claims come back full, 2 claims in flight, completions group-committed' },
  { key: 'errand-pg-2x10', label: 'Errand · PostgreSQL · 2×10', kind: 'burndown', system: 'errand-pg', group: 'errand', setup: 'ours', procs: 2, cfg: { concurrency: 10, batch: 10 }, note: 'two processes of concurrency 10, prefetch 10' },
  { key: 'errand-sqlite', label: 'Errand · SQLite · 1×20', kind: 'burndown', system: 'errand-sqlite', group: 'errand', setup: 'ours', procs: 1, cfg: { concurrency: C, batch: C }, latency: true, note: 'WAL, synchronous=FULL, file in /tmp' },
  { key: 'errand-memory', label: 'Errand · memory · 1×20', kind: 'burndown', system: 'errand-memory', group: 'errand', setup: 'ours', procs: 1, cfg: { concurrency: C, batch: C }, latency: true, note: 'memory: (SQLite :memory:)' },
  { key: 'ceiling', label: 'SQL ceiling · 2 claims of 1000 ∥ complete', kind: 'ceiling', system: 'errand-pg', group: 'ceiling', procs: 1, cfg: { concurrency: C, batch: C }, ceiling: { connections: 3, batch: 1000, pipelined: true, maxLead: 2000 }, note: "Errand's claim.sql and complete.sql with no engine, shaped like its worker: two claims in flight of up to 1000 (its maxPrefetch), a third connection completing everything claimed so far (≤1000 per statement), claims paused while 2000 wait" },
  { key: 'ceiling-40', label: 'SQL loop · 2 claims of 40 ∥ complete', kind: 'ceiling', system: 'errand-pg', group: 'ceiling', procs: 1, cfg: { concurrency: C, batch: C }, ceiling: { connections: 3, batch: 40, pipelined: true, maxLead: 2000 }, note: 'the same with claims of 40 (concurrency + prefetch without the adaptive growth), to show what the claim size is worth' },
  { key: 'bare-sql', label: 'Bare SQL · minimal table · 2 loops of 100', kind: 'ceiling', system: 'errand-pg', group: 'ceiling', procs: 1, cfg: { concurrency: C, batch: C }, ceiling: { connections: 2, batch: 100, bare: true }, note: 'not Errand: a table of (id, payload, state), two connections each claiming 100 with FOR UPDATE SKIP LOCKED and deleting them; the hardware\'s limit for a PostgreSQL queue' },
  { key: 'graphile-matched', label: 'graphile-worker 0.17 · 1×20 · localQueue 40', kind: 'burndown', system: 'graphile-worker', group: 'peer', setup: 'matched', procs: 1, cfg: { concurrency: C, batch: 2 * C, completeBatchDelay: 0 }, latency: true, note: 'concurrency 20, localQueue.size 40, completeJobBatchDelay 0' },
  { key: 'graphile-1x20-lq500', label: 'graphile-worker 0.17 · 1×20 · localQueue 500', kind: 'burndown', system: 'graphile-worker', group: 'peer', setup: 'fastest', procs: 1, cfg: { concurrency: C, batch: 500, completeBatchDelay: 0 }, note: 'one process of concurrency 20, localQueue.size 500, completeJobBatchDelay 0' },
  { key: 'graphile-fastest', label: 'graphile-worker 0.17 · 2×10 · localQueue 500', kind: 'burndown', system: 'graphile-worker', group: 'peer', setup: 'fastest', procs: 2, cfg: { concurrency: 10, batch: 500, completeBatchDelay: 0 }, note: 'two processes of concurrency 10, localQueue.size 500, completeJobBatchDelay 0' },
  { key: 'graphile18-1x20-lq100', label: 'graphile-worker 0.18 · 1×20 · localQueue 100', kind: 'burndown', system: 'graphile-worker-0.18', group: 'peer', setup: 'fastest', procs: 1, cfg: { concurrency: C, batch: 100, completeBatchDelay: 0 }, latency: true, note: 'the newest release: one process of concurrency 20, localQueue.size 100, completeJobBatchDelay 0' },
  { key: 'graphile18-2x10-lq100', label: 'graphile-worker 0.18 · 2×10 · localQueue 100', kind: 'burndown', system: 'graphile-worker-0.18', group: 'peer', setup: 'fastest', procs: 2, cfg: { concurrency: 10, batch: 100, completeBatchDelay: 0 }, note: 'two processes of concurrency 10, localQueue.size 100, completeJobBatchDelay 0' },
  { key: 'graphile18-2x10-lq500', label: 'graphile-worker 0.18 · 2×10 · localQueue 500', kind: 'burndown', system: 'graphile-worker-0.18', group: 'peer', setup: 'fastest', procs: 2, cfg: { concurrency: 10, batch: 500, completeBatchDelay: 0 }, note: 'two processes of concurrency 10, localQueue.size 500, completeJobBatchDelay 0' },
  { key: 'pgboss-matched', label: 'pg-boss 10 · 1×20 · batch 20', kind: 'burndown', system: 'pg-boss', group: 'peer', setup: 'matched', procs: 1, cfg: { concurrency: C, batch: C }, latency: true, note: 'one work() loop, batchSize 20 run at once, pollingIntervalSeconds 0.5 (the minimum)' },
  { key: 'pgboss-fastest', label: 'pg-boss 10 · 2 loops × batch 5000', kind: 'burndown', system: 'pg-boss', group: 'peer', setup: 'fastest', procs: 1, cfg: { concurrency: 5000, batch: 5000, loops: 2 }, note: 'two work() loops, batchSize 5000, pollingIntervalSeconds 0.5' },
  { key: 'pgboss12-matched', label: 'pg-boss 12 · 1 worker × batch 20', kind: 'burndown', system: 'pg-boss-12', group: 'peer', setup: 'matched', procs: 1, cfg: { concurrency: C, batch: C, loops: 1 }, latency: true, note: 'the newest release: localConcurrency 1, batchSize 20 run at once, burstWhenBatchFull, LISTEN/NOTIFY on (useListenNotify, queue notify), polls 0.5 s' },
  { key: 'pgboss12-fastest', label: 'pg-boss 12 · 2 workers × batch 5000', kind: 'burndown', system: 'pg-boss-12', group: 'peer', setup: 'fastest', procs: 1, cfg: { concurrency: 5000, batch: 5000, loops: 2 }, note: 'localConcurrency 2, batchSize 5000, burstWhenBatchFull, LISTEN/NOTIFY on, polls 0.5 s' },
  // -- Redis (`--only redis`): Errand on Redis beside BullMQ on the same server, interleaved.
  { key: 'errand-redis', label: 'Errand · Redis · 1×20', kind: 'burndown', system: 'errand-redis', group: 'errand', setup: 'ours', procs: 1, cfg: { concurrency: C, batch: C }, latency: true, tags: ['redis'], note: 'concurrency 20, prefetch 20 growing while claims come back full, completions batched; the same Redis server as BullMQ, its own key prefix per run' },
  { key: 'bullmq-matched', label: 'BullMQ · 1×20', kind: 'burndown', system: 'bullmq', group: 'peer', setup: 'matched', procs: 1, cfg: { concurrency: C, batch: 1 }, latency: true, tags: ['redis'], note: 'Worker concurrency 20, defaults (completed jobs kept), local Redis' },
  { key: 'bullmq-fastest', label: 'BullMQ · 2×50', kind: 'burndown', system: 'bullmq', group: 'peer', setup: 'fastest', procs: 2, cfg: { concurrency: 50, batch: 1 }, tags: ['redis'], note: 'two processes of Worker concurrency 50, defaults' },
  // -- what issue 12's features cost when unused: today's engine beside the one from before them
  //    (`--only features`), a plain burn-down with no schedule, limit, result, progress or tracing.
  ...(['pg', 'sqlite'] as const).flatMap((db): Item[] => {
    const system: SystemName = db === 'pg' ? 'errand-pg' : 'errand-sqlite';
    const name = db === 'pg' ? 'PostgreSQL' : 'SQLite';
    const base = { kind: 'burndown', system, group: 'errand', setup: 'ours', procs: 1, cfg: { concurrency: C, batch: C } } as const;
    return [
      { ...base, key: `features-${db}-today`, label: `Errand · ${name} · 1×20 · today`, engine: 'build', note: 'this checkout, compiled, features unused' },
      { ...base, key: `features-${db}-before`, label: `Errand · ${name} · 1×20 · ${BASELINE_LABEL}`, engine: 'baseline', note: 'the engine built from the commit before issue 12' },
    ];
  }),
  // -- cross-process latency (Errand on PostgreSQL: enqueue in another process, NOTIFY wakes the worker)
  { key: 'errand-pg-xproc', label: 'Errand · PostgreSQL · enqueue from another process', kind: 'xlatency', system: 'errand-pg', group: 'errand', procs: 1, cfg: { concurrency: C, batch: C }, note: 'wake-up by LISTEN/NOTIFY' },
  { key: 'errand-sqlite-xproc', label: 'Errand · SQLite · enqueue from another process', kind: 'xlatency', system: 'errand-sqlite', group: 'errand', procs: 1, cfg: { concurrency: C, batch: C }, note: 'wake-up by a Unix socket beside the file (src/wake/socket-wake.ts)' },
  { key: 'errand-sqlite-poll-xproc', label: 'Errand · SQLite · another process, no channel (poll)', kind: 'xlatency', system: 'errand-sqlite-poll', group: 'errand', procs: 1, cfg: { concurrency: C, batch: C }, latencyCfg: { warmup: 5, samples: 100, capMs: 15_000 }, note: 'the same with the channel unavailable (a path too long for a socket): the worker polls every 100 ms, as before the channel' },
  { key: 'graphile-xproc', label: 'graphile-worker 0.17 · enqueue from another process', kind: 'xlatency', system: 'graphile-worker', group: 'peer', procs: 1, cfg: { concurrency: C, batch: 2 * C, completeBatchDelay: 0 }, note: 'wake-up by LISTEN/NOTIFY' },
  // -- single enqueues from 10 concurrent callers, no worker
  ...(['errand-pg', 'errand-sqlite', 'errand-memory', 'errand-redis', 'graphile-worker', 'graphile-worker-0.18', 'pg-boss', 'pg-boss-12', 'bullmq'] as SystemName[]).map(
    (system): Item => ({
      key: `enqueue-${system}`, label: system, kind: 'enqueue', system, group: system.startsWith('errand') ? 'errand' : 'peer',
      procs: 1, cfg: { concurrency: C, batch: C }, note: '10 concurrent callers, one job per call',
      ...(system === 'errand-redis' || system === 'bullmq' ? { tags: ['redis'] } : {}),
    }),
  ),
];

export interface ItemResult {
  item: Item;
  runs: (ChildResult & { load1: number })[];
  median: Record<string, number | null>;
}

function medianOf(runs: ChildResult[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const pick: Record<string, (r: ChildResult) => number | undefined> = {
    jobsPerSec: (r) => r.jobsPerSec, bulkJobsPerSec: (r) => r.bulkJobsPerSec, burndownMs: (r) => r.burndownMs,
    rssPeakMB: (r) => r.rssPeakMB, rssIdleMB: (r) => r.rssIdleMB, loopDelayMaxMs: (r) => r.loopDelayMaxMs,
    p50: (r) => r.latency?.p50, p95: (r) => r.latency?.p95, p99: (r) => r.latency?.p99, latencySamples: (r) => r.latency?.samples,
    enqueuePerSec: (r) => r.enqueuePerSec, idleCpuPct: (r) => r.idleCpuPct,
  };
  for (const [k, f] of Object.entries(pick)) {
    const xs = runs.map(f).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    out[k] = xs.length ? median(xs) : null;
  }
  out.timedOutRuns = runs.filter((r) => r.timedOut).length;
  out.latencyCappedRuns = runs.filter((r) => r.latency?.timedOut).length;
  return out;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  if (ONLY === 'history') {
    // Issue 14, target 5: its own setups (bench/engine/history.ts), not rows of ITEMS.
    const { runHistory } = await import('./engine/history.js');
    await runHistory({
      runs: RUNS, jobs: Number(flag('jobs', '20000')), historyJobs: Number(flag('history-jobs', '10000000')), capMs: Math.max(CAP_MS, 60_000),
      command: `npm run bench:engine -- ${process.argv.slice(2).join(' ')}`.trim(), out: join(HERE, 'results', 'engine-history.json'),
    });
    return;
  }
  const stale = await dropStaleDatabases();
  if (stale) console.log(`dropped ${stale} stale bench_* databases`);
  const machine = await machineInfo();
  let items = ITEMS.filter((i) => !ONLY || ONLY.split(',').some((o) => i.key.includes(o) || i.tags?.includes(o)));
  if (items.some((i) => i.system === 'errand-redis')) {
    const swept = await deleteStaleRedisKeys();
    if (swept) console.log(`deleted ${swept} Redis keys of crashed bench runs`);
  }
  const engines: Partial<Record<'baseline' | 'build', string>> = {};
  if (items.some((i) => i.engine)) {
    try {
      engines.build = currentBuild();
      engines.baseline = ensureBaseline();
    } catch (err) {
      console.error(`the compiled engines are unavailable, the features rows are left out: ${(err as Error).message}`);
      items = items.filter((i) => !i.engine);
    }
  }
  const results = new Map<string, ItemResult>(items.map((item) => [item.key, { item, runs: [], median: {} }]));
  for (let r = 1; r <= RUNS; r++) {
    for (const item of items) {
      const args: ChildArgs = {
        mode: item.kind, system: item.system, cfg: item.cfg, procs: item.procs,
        jobs: item.kind === 'enqueue' ? ENQUEUE_JOBS : JOBS, callers: 10, capMs: CAP_MS,
        latency: item.latency || item.kind === 'xlatency' ? (item.latencyCfg ?? LATENCY) : undefined, ceiling: item.ceiling,
      };
      const started = Date.now();
      try {
        const env = item.engine ? { ERRAND_BENCH_ENGINE: engines[item.engine]! } : undefined;
        const res = await runChild<ChildResult>(CHILD, args, { env });
        results.get(item.key)!.runs.push(res);
        const bits = [
          res.jobsPerSec !== undefined ? `${fmt(res.jobsPerSec)} jobs/s${res.timedOut ? ' (capped)' : ''}` : '',
          res.bulkJobsPerSec !== undefined ? `bulk ${fmt(res.bulkJobsPerSec)}/s` : '',
          res.latency ? `p50 ${fmt(res.latency.p50, 2)} p99 ${fmt(res.latency.p99, 2)} ms (n=${res.latency.samples})` : '',
          res.enqueuePerSec !== undefined ? `${fmt(res.enqueuePerSec)} enqueues/s` : '',
          res.idleCpuPct !== undefined ? `idle CPU ${res.idleCpuPct.toFixed(2)}%` : '',
        ].filter(Boolean);
        console.log(`[run ${r}/${RUNS}] ${item.kind.padEnd(8)} ${item.label.padEnd(48)} ${bits.join(' · ')}  (${((Date.now() - started) / 1000).toFixed(1)} s, load ${res.load1.toFixed(2)})`);
      } catch (err) {
        console.error(`[run ${r}/${RUNS}] ${item.label} FAILED: ${(err as Error).message}`);
      }
    }
  }
  for (const r of results.values()) r.median = medianOf(r.runs);
  const all = [...results.values()];
  console.log(`\n${renderEngineTables(all)}\n`);
  const out = {
    benchmark: 'engine', command: `npm run bench:engine -- ${process.argv.slice(2).join(' ')}`.trim(), machine,
    params: { runs: RUNS, jobs: JOBS, enqueueJobs: ENQUEUE_JOBS, latency: LATENCY, capMs: CAP_MS },
    durationSec: Math.round((Date.now() - t0) / 1000), results: all,
  };
  // --only xproc: the cross-process latency rows on their own (BENCHMARKS.md shows them beside the full run's).
  // --only features: the features-cost pairs on their own (BENCHMARKS.md, "Features unused").
  // --only redis: Errand on Redis beside BullMQ (BENCHMARKS.md, "Errand on Redis beside BullMQ").
  // --only history: burn-downs with 10 million finished jobs kept (bench/engine/history.ts, engine-history.json).
  const own: Record<string, string> = { xproc: 'engine-xproc.json', features: 'engine-features.json', redis: 'engine-redis.json' };
  const file = join(HERE, 'results', own[ONLY] ?? (ONLY ? 'engine-partial.json' : 'engine.json'));
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${file} (${out.durationSec} s)`);
}

export function renderEngineTables(all: ItemResult[]): string {
  const burn = all.filter((r) => r.item.kind === 'burndown' || r.item.kind === 'ceiling');
  const lat = all.filter((r) => r.median.p99 !== null && r.median.p99 !== undefined);
  const enq = all.filter((r) => r.item.kind === 'enqueue');
  const parts: string[] = [];
  if (burn.length) {
    parts.push(
      markdownTable(
        ['burn-down', 'jobs/s (median)', 'runs', 'bulk insert jobs/s', 'peak RSS MB', 'max loop stall ms'],
        burn.map((r) => [
          r.item.label,
          fmt(r.median.jobsPerSec) + (r.median.timedOutRuns ? ' (capped)' : ''),
          r.runs.map((x) => fmt(x.jobsPerSec)).join(' / '),
          fmt(r.median.bulkJobsPerSec), fmt(r.median.rssPeakMB), fmt(r.median.loopDelayMaxMs),
        ]),
      ),
    );
  }
  if (lat.length) {
    parts.push(
      markdownTable(
        ['enqueue-to-start latency', 'p50 ms', 'p95 ms', 'p99 ms', 'samples', 'idle RSS MB'],
        lat.map((r) => [r.item.kind === 'xlatency' ? r.item.label : r.item.label.replace(/ · [^·]*$/, ''), fmt(r.median.p50, 2), fmt(r.median.p95, 2), fmt(r.median.p99, 2), fmt(r.median.latencySamples, 0), fmt(r.median.rssIdleMB)]),
      ),
    );
  }
  if (enq.length) {
    parts.push(
      markdownTable(
        ['enqueue (no worker)', 'single, 10 callers, jobs/s', 'runs'],
        enq.map((r) => [r.item.label, fmt(r.median.enqueuePerSec), r.runs.map((x) => fmt(x.enqueuePerSec)).join(' / ')]),
      ),
    );
  }
  return parts.join('\n\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
