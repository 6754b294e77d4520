/**
 * Render BENCHMARKS.md (repo root) and bench/charts/*.svg from bench/results/*.json:
 * `tsx bench/summary.ts`. Every figure on the page comes from a results file; the prose that is
 * not generated (where the time goes) lives in bench/analysis.md and is included as written.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ItemResult } from './engine.js';
import { type HistoryFile, renderHistory } from './engine/history-render.js';
import type { MachineInfo } from './lib/env.js';
import { BASELINE_COMMIT } from './lib/baseline.js';
import { fmt } from './lib/stats.js';
import { barChart, COLORS } from './lib/svg.js';
import { markdownTable } from './lib/table.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const RESULTS = join(HERE, 'results');
const CHARTS = join(HERE, 'charts');

function load<T>(name: string): T | null {
  const f = join(RESULTS, `${name}.json`);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as T) : null;
}

function chart(name: string, svg: string): string {
  mkdirSync(CHARTS, { recursive: true });
  writeFileSync(join(CHARTS, `${name}.svg`), svg);
  return `![${name}](bench/charts/${name}.svg)`;
}

const mark = (ok: boolean | null) => (ok === null ? '— not measured' : ok ? '**met**' : '**missed**');

interface Target {
  what: string;
  goal: string;
  figure: string;
  ok: boolean | null;
}

export interface EngineFile {
  command: string;
  machine: MachineInfo;
  params: { runs: number; jobs: number; enqueueJobs: number; latency: { warmup: number; samples: number; capMs: number }; capMs: number };
  durationSec: number;
  results: ItemResult[];
}

function engineSection(e: EngineFile, targets: Target[]): string {
  const by = new Map(e.results.map((r) => [r.item.key, r]));
  const m = (key: string, field: string) => by.get(key)?.median[field] ?? null;
  const out: string[] = [];
  const burn = e.results.filter((r) => (r.item.kind === 'burndown' || r.item.kind === 'ceiling') && !r.item.key.startsWith('features-'));
  const ceiling = m('ceiling', 'jobsPerSec');
  out.push('## Engine, against peers\n');
  out.push(
    `Command: \`${e.command}\` — ${e.params.runs} runs of each, alternating (A B C … A B C …), median shown, every run in a fresh ` +
      `process on fresh tables (a new PostgreSQL database per run; a new BullMQ queue name, obliterated after). ` +
      `${fmt(e.params.jobs, 0)} no-op jobs per burn-down; a run is cut at ${e.params.capMs / 1000} s and its rate so far reported (marked "capped"). ` +
      `Whole run: ${Math.round(e.durationSec / 60)} min.\n`,
  );
  out.push('### Burn-down\n');
  out.push(
    `${fmt(e.params.jobs, 0)} jobs inserted first with the system's own bulk insert (that insert's rate is the "bulk insert" column); ` +
      'the clock runs from worker start until the system\'s own storage says every job is completed (durable, not just "handler returned"). ' +
      '"Max loop stall" is the longest the worker process\'s event loop went without running a 10 ms timer during the burn-down.\n',
  );
  out.push(
    markdownTable(
      ['setup', 'jobs/s', 'each run', 'bulk insert jobs/s', 'peak RSS MB', 'max loop stall ms', 'settings'],
      burn.map((r) => [
        r.item.label,
        fmt(r.median.jobsPerSec) + (r.runs.some((x) => x.timedOut) ? ' (capped)' : ''),
        r.runs.map((x) => fmt(x.jobsPerSec)).join(' / '),
        fmt(r.median.bulkJobsPerSec),
        fmt(r.median.rssPeakMB),
        fmt(r.median.loopDelayMaxMs),
        r.item.note,
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
  );
  out.push('');
  out.push(
    chart(
      'engine-burndown',
      barChart({
        title: `Burn-down of ${fmt(e.params.jobs, 0)} no-op jobs (median of ${e.params.runs})`,
        unit: 'jobs/s',
        labels: burn.map((r) => r.item.label),
        series: [{ name: 'jobs/s', color: COLORS[0], values: burn.map((r) => r.median.jobsPerSec) }],
        marker: ceiling ? { value: ceiling, label: 'SQL ceiling' } : undefined,
        width: 860,
      }),
    ),
  );
  const lat = e.results.filter((r) => r.median.p99 !== null && r.median.p99 !== undefined);
  out.push('\n### Enqueue-to-start latency\n');
  out.push(
    `After a warm-up of ${e.params.latency.warmup} jobs (or 2 s, whichever ends first), ${e.params.latency.samples} single enqueues one after another, each waiting for its job to start ` +
      `before the next (an idle system; at most ${e.params.latency.capMs / 1000} s per run). Time from the enqueue call to the handler's first line, ` +
      'measured with `performance.now()` in the process that runs both — except the "another process" rows, where the send time travels in the payload.\n',
  );
  out.push(
    markdownTable(
      ['system', 'p50 ms', 'p95 ms', 'p99 ms', 'samples/run', 'idle worker RSS MB'],
      lat.map((r) => [r.item.kind === 'xlatency' ? r.item.label : r.item.label.replace(/ · [^·]*$/, '').replace(/ · 1×20$/, ''), fmt(r.median.p50, 2), fmt(r.median.p95, 2), fmt(r.median.p99, 2), fmt(r.median.latencySamples, 0), fmt(r.median.rssIdleMB)]),
    ),
  );
  out.push('');
  out.push(
    chart(
      'engine-latency',
      barChart({
        title: 'Enqueue-to-start latency (median of runs)',
        unit: 'ms',
        log: true,
        labels: lat.map((r) => (r.item.kind === 'xlatency' ? r.item.label.replace('enqueue from another process', 'other process') : r.item.label.replace(/ · [^·]*$/, ''))),
        series: [
          { name: 'p50', color: COLORS[0], values: lat.map((r) => r.median.p50) },
          { name: 'p95', color: COLORS[1], values: lat.map((r) => r.median.p95) },
          { name: 'p99', color: COLORS[3], values: lat.map((r) => r.median.p99) },
        ],
        format: (v) => (v >= 10 ? v.toFixed(0) : v.toFixed(2)),
        width: 860,
      }),
    ),
  );
  const enq = e.results.filter((r) => r.item.kind === 'enqueue');
  if (enq.length) {
    const bulkFor = (system: string) => e.results.find((r) => r.item.kind === 'burndown' && r.item.system === system && r.item.procs === 1)?.median.bulkJobsPerSec ?? null;
    out.push('\n### Enqueue\n');
    out.push(`${fmt(e.params.enqueueJobs, 0)} single enqueues from 10 concurrent callers with no worker running (or as many as fit in ${e.params.capMs / 1000} s: the rate so far, marked capped), and the one bulk insert of ${fmt(e.params.jobs, 0)} (from the burn-down runs).\n`);
    out.push(markdownTable(['system', 'single (10 callers) jobs/s', 'each run', 'bulk jobs/s'], enq.map((r) => [r.item.label, fmt(r.median.enqueuePerSec) + (r.runs.some((x) => x.timedOut) ? ' (capped)' : ''), r.runs.map((x) => fmt(x.enqueuePerSec)).join(' / '), fmt(bulkFor(r.item.system))])));
    out.push('');
    out.push(
      chart(
        'engine-enqueue',
        barChart({
          title: 'Enqueue rate',
          unit: 'jobs/s',
          log: true,
          labels: enq.map((r) => r.item.label),
          series: [
            { name: 'single, 10 callers', color: COLORS[0], values: enq.map((r) => r.median.enqueuePerSec) },
            { name: 'one bulk insert', color: COLORS[2], values: enq.map((r) => bulkFor(r.item.system)) },
          ],
          width: 860,
        }),
      ),
    );
  }
  // Targets
  const peers = burn.filter((r) => r.item.group === 'peer');
  const bestPeer = peers.reduce<ItemResult | null>((b, r) => ((r.median.jobsPerSec ?? 0) > (b?.median.jobsPerSec ?? 0) ? r : b), null);
  const ours = m('errand-pg', 'jobsPerSec');
  const oursBest = Math.max(ours ?? 0, m('errand-pg-2x10', 'jobsPerSec') ?? 0);
  if (bestPeer && ours) {
    targets.push({
      what: 'Errand PostgreSQL burn-down vs the best peer',
      goal: '≥ 1.0×',
      figure: `1×20: ${fmt(ours)} jobs/s; best Errand setup ${fmt(oursBest)}; best peer ${bestPeer.item.label} ${fmt(bestPeer.median.jobsPerSec)} → ${fmt(oursBest / bestPeer.median.jobsPerSec!, 2)}×`,
      ok: oursBest >= bestPeer.median.jobsPerSec!,
    });
  }
  if (ceiling && ours) {
    const naive = m('ceiling-40', 'jobsPerSec');
    targets.push({
      what: 'Errand burn-down vs the SQL ceiling',
      goal: '≥ 70%',
      figure: `${fmt(ours)} / ${fmt(ceiling)} = ${fmt((100 * ours) / ceiling, 0)}% (the same SQL with claims of 40: ${fmt(naive)})`,
      ok: ours / ceiling >= 0.7,
    });
  }
  // Issue 14, target 3: against the hardware's limit (a minimal table) and the best peer setup.
  const bare = m('bare-sql', 'jobsPerSec');
  if (bare && ours) {
    targets.push({ what: 'Errand PostgreSQL burn-down vs bare SQL (minimal table)', goal: '≥ 80%', figure: `${fmt(ours)} / ${fmt(bare)} = ${fmt((100 * ours) / bare, 0)}%`, ok: ours >= 0.8 * bare });
  }
  if (bestPeer && ours) {
    targets.push({ what: 'Errand PostgreSQL burn-down vs the best peer setup', goal: '≥ 2.5×', figure: `${fmt(oursBest)} / ${fmt(bestPeer.median.jobsPerSec)} (${bestPeer.item.label}) = ${fmt(oursBest / bestPeer.median.jobsPerSec!, 2)}×`, ok: oursBest >= 2.5 * bestPeer.median.jobsPerSec! });
  }
  const sqlite = m('errand-sqlite', 'jobsPerSec');
  const bestPgPeer = peers.filter((r) => r.item.system !== 'bullmq').reduce<ItemResult | null>((b, r) => ((r.median.jobsPerSec ?? 0) > (b?.median.jobsPerSec ?? 0) ? r : b), null);
  if (bestPgPeer && sqlite) {
    targets.push({ what: 'Errand SQLite burn-down vs the best peer setup on PostgreSQL', goal: '≥ 3×', figure: `${fmt(sqlite)} / ${fmt(bestPgPeer.median.jobsPerSec)} (${bestPgPeer.item.label}) = ${fmt(sqlite / bestPgPeer.median.jobsPerSec!, 2)}×`, ok: sqlite >= 3 * bestPgPeer.median.jobsPerSec! });
  }
  const p99 = m('errand-pg', 'p99');
  if (p99 !== null) targets.push({ what: 'Errand PostgreSQL enqueue-to-start p99', goal: '≤ 3.5 ms', figure: `${fmt(p99, 2)} ms`, ok: p99 <= 3.5 });
  for (const [key, name] of [['graphile-matched', 'graphile-worker'], ['bullmq-matched', 'BullMQ']] as const) {
    const theirs = m(key, 'p99');
    if (p99 !== null && theirs !== null) {
      targets.push({ what: `Errand PostgreSQL enqueue-to-start p99 vs ${name}`, goal: '≤', figure: `${fmt(p99, 2)} ms vs ${fmt(theirs, 2)} ms`, ok: p99 <= theirs });
    }
  }
  return out.join('\n');
}

/**
 * Issue 15: Errand on Redis beside BullMQ on the same Redis server, interleaved in one run
 * (`--only redis`): burn-down 1×20 against BullMQ's 1×20, enqueue-to-start against BullMQ's.
 */
function redisSection(e: EngineFile | null, targets: Target[]): string {
  const by = new Map((e?.results ?? []).map((r) => [r.item.key, r]));
  const ours = by.get('errand-redis');
  const theirs = by.get('bullmq-matched');
  if (!e || !ours || !theirs) {
    targets.push({ what: 'Errand on Redis burn-down 1×20 vs BullMQ 1×20', goal: '≥ 1.0× (aim 1.5×)', figure: 'not measured', ok: null });
    return '';
  }
  const out = ['## Errand on Redis beside BullMQ\n'];
  out.push(
    `Command: \`${e.command}\` — ${e.params.runs} runs of each, alternating (Errand, BullMQ, …), median shown; both on the same Redis server ` +
      `(${e.machine.redis}, ${e.machine.redisPersistence}), each run on its own keys (Errand: a fresh key prefix, its keys deleted after; BullMQ: a fresh queue name, obliterated after). ` +
      `${fmt(e.params.jobs, 0)} no-op jobs per burn-down; the latency phase is ${e.params.latency.samples} single enqueues after a warm-up, each waiting for its job to start, in the burn-down's process on fresh keys. Load = the 1-minute load average after each run.\n`,
  );
  const rows = e.results.filter((r) => r.item.kind === 'burndown');
  out.push(
    markdownTable(
      ['setup', 'jobs/s', 'each run', 'bulk insert jobs/s', 'p50 ms', 'p99 ms', 'p99 of each run', 'load', 'settings'],
      rows.map((r) => [
        r.item.label,
        fmt(r.median.jobsPerSec) + (r.runs.some((x) => x.timedOut) ? ' (capped)' : ''),
        r.runs.map((x) => fmt(x.jobsPerSec)).join(' / '),
        fmt(r.median.bulkJobsPerSec),
        fmt(r.median.p50, 2),
        fmt(r.median.p99, 2),
        r.runs.map((x) => fmt(x.latency?.p99 ?? null, 2)).join(' / '),
        r.runs.map((x) => x.load1.toFixed(1)).join(' / '),
        r.item.note,
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
  );
  const enq = e.results.filter((r) => r.item.kind === 'enqueue');
  if (enq.length) {
    out.push('');
    out.push(markdownTable(['single enqueues, 10 callers, no worker', 'jobs/s', 'each run'], enq.map((r) => [r.item.label, fmt(r.median.enqueuePerSec), r.runs.map((x) => fmt(x.enqueuePerSec)).join(' / ')])));
  }
  const a = ours.median.jobsPerSec;
  const b = theirs.median.jobsPerSec;
  if (a && b) {
    const ratios = ours.runs.map((x, i) => (x.jobsPerSec ?? 0) / (theirs.runs[i]?.jobsPerSec ?? Number.NaN));
    const figure = `${fmt(a)} / ${fmt(b)} jobs/s = ${fmt(a / b, 2)}× (per round ${ratios.map((x) => x.toFixed(2)).join(' / ')})`;
    targets.push({ what: 'Errand on Redis burn-down 1×20 vs BullMQ 1×20, same run', goal: '≥ 1.0×', figure, ok: a >= b });
    targets.push({ what: 'Errand on Redis burn-down 1×20 vs BullMQ 1×20 (the aim)', goal: '≥ 1.5×', figure, ok: a >= 1.5 * b });
  }
  for (const p of ['p50', 'p99'] as const) {
    const x = ours.median[p];
    const y = theirs.median[p];
    if (x === null || x === undefined || y === null || y === undefined) continue;
    targets.push({ what: `Errand on Redis enqueue-to-start ${p} vs BullMQ, same run`, goal: '≤', figure: `${fmt(x, 2)} ms vs ${fmt(y, 2)} ms (each run: ${ours.runs.map((r) => fmt(r.latency?.[p] ?? null, 2)).join(' / ')} vs ${theirs.runs.map((r) => fmt(r.latency?.[p] ?? null, 2)).join(' / ')})`, ok: x <= y });
  }
  return out.join('\n');
}

export interface CheckoutFile {
  command: string;
  machine: MachineInfo;
  note?: string;
  rows: { target: string; database: string; gateway: string; requestsPerSec: number; p50: number; p99: number; errors: number; non2xx: number; requests: number }[];
}

function checkoutSection(c: CheckoutFile | null, targets: Target[]): string {
  const out = ['## Checkout under load\n'];
  if (!c) {
    out.push('Not measured yet: run `npm run bench -- --only checkout` (needs the shop in apps/shop and the gateway).\n');
    targets.push({ what: 'POST /buy p99, gateway at 2 s or down, vs gateway at 0 ms', goal: '≤ 1.2×', figure: 'not measured', ok: null });
    return out.join('\n');
  }
  out.push(`Command: \`${c.command}\`. autocannon, 100 connections, 10 s, one fresh valid token per request. ${c.note ?? ''}\n`);
  out.push(markdownTable(['endpoint', 'database', 'gateway', 'requests/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'], c.rows.map((r) => [r.target, r.database, r.gateway, fmt(r.requestsPerSec), fmt(r.p50, 1), fmt(r.p99, 1), fmt(r.non2xx, 0), fmt(r.errors, 0)])));
  out.push('');
  out.push(
    chart(
      'checkout-p99',
      barChart({
        title: 'POST /buy p99 latency, 100 connections',
        unit: 'ms',
        log: true,
        labels: c.rows.map((r) => `${r.target} · ${r.database} · gw ${r.gateway}`),
        series: [{ name: 'p99', color: COLORS[3], values: c.rows.map((r) => r.p99) }],
        width: 860,
      }),
    ),
  );
  for (const db of [...new Set(c.rows.filter((r) => r.target === 'shop').map((r) => r.database))]) {
    const base = c.rows.find((r) => r.target === 'shop' && r.database === db && r.gateway === '0 ms');
    for (const g of ['2 s', 'down']) {
      const row = c.rows.find((r) => r.target === 'shop' && r.database === db && r.gateway === g);
      if (base && row) targets.push({ what: `POST /buy p99 (${db}), gateway ${g} vs 0 ms`, goal: '≤ 1.2×', figure: `${fmt(row.p99, 1)} / ${fmt(base.p99, 1)} ms = ${fmt(row.p99 / base.p99, 2)}×`, ok: row.p99 <= 1.2 * base.p99 });
    }
  }
  return out.join('\n');
}

type RatioRow = CheckoutFile['rows'][number] & { load1?: number; shopCpuMsPerReq?: number; dbCpuMsPerReq?: number; settledPerSec?: number; backlog?: number };

/**
 * Issue 14, target 1: PostgreSQL's POST /buy against SQLite's in the same run (`--rounds N`
 * interleaves them, and `--before-shop` adds the tree before the change as postgres-before).
 */
function checkoutRatioSection(c: (CheckoutFile & { rows: RatioRow[] }) | null, main: CheckoutFile | null, targets: Target[]): string {
  if (!c) return '';
  const out = ['### PostgreSQL against SQLite, same run\n'];
  out.push(`Command: \`${c.command}\`. Rows in the order they ran (each database in turn, round after round); load = 1-minute load average after the row; CPU per request = the shop process's user+system time over the run, and its PostgreSQL backends'; settled/s and backlog as in the table below.${c.note ? ` ${c.note.trim()}` : ''}\n`);
  const rows = (c.rows as RatioRow[]).filter((r) => r.target === 'shop' && r.gateway === '0 ms');
  out.push(
    markdownTable(
      ['database', 'requests/s', 'settled/s', 'backlog', 'p50 ms', 'p99 ms', 'load', 'shop CPU ms/req', 'db CPU ms/req'],
      rows.map((r) => [
        r.database, fmt(r.requestsPerSec), r.settledPerSec !== undefined ? fmt(r.settledPerSec) : '–', r.backlog !== undefined ? fmt(r.backlog) : '–',
        fmt(r.p50, 1), fmt(r.p99, 1), r.load1?.toFixed(1) ?? '–', r.shopCpuMsPerReq?.toFixed(3) ?? '–', r.dbCpuMsPerReq?.toFixed(3) ?? '–',
      ]),
    ),
  );
  const sq = rows.filter((r) => r.database === 'sqlite');
  const ratios = (db: string) => rows.filter((r) => r.database === db).map((r, i) => r.requestsPerSec / (sq[i] ?? sq.at(-1)!).requestsPerSec);
  const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  for (const db of ['postgres', 'postgres-before']) {
    const rs = ratios(db);
    if (!sq.length || !rs.length) continue;
    out.push(`\n${db} / sqlite requests/s per round: ${rs.map((x) => `${x.toFixed(2)}×`).join(', ')} (median ${medianOf(rs).toFixed(2)}×).`);
  }
  const rs = ratios('postgres');
  const p99s = rows.filter((r) => r.database === 'postgres').map((r) => r.p99);
  if (sq.length && rs.length) {
    // The main checkout run's 0 ms rows count too: met only when both say so.
    const at0 = (db: string) => main?.rows.find((r) => r.target === 'shop' && r.database === db && r.gateway === '0 ms');
    const mainPg = at0('postgres');
    const mainSq = at0('sqlite');
    const mainRatio = mainPg && mainSq ? mainPg.requestsPerSec / mainSq.requestsPerSec : null;
    targets.push({
      what: 'POST /buy requests/s, PostgreSQL vs SQLite, same run',
      goal: '≥ 0.8×',
      figure: `rounds ${rs.map((x) => x.toFixed(2)).join(' / ')} → median ${medianOf(rs).toFixed(2)}×${mainRatio === null ? '' : `; checkout table ${mainRatio.toFixed(2)}×`}`,
      ok: medianOf(rs) >= 0.8 && (mainRatio === null || mainRatio >= 0.8),
    });
    targets.push({
      what: 'POST /buy p99 on PostgreSQL, gateway 0 ms',
      goal: '≤ 100 ms',
      figure: `rounds ${p99s.map((x) => fmt(x, 0)).join(' / ')} → median ${fmt(medianOf(p99s), 0)} ms${mainPg ? `; checkout table ${fmt(mainPg.p99, 0)} ms` : ''}`,
      ok: medianOf(p99s) <= 100 && (!mainPg || mainPg.p99 <= 100),
    });
  }
  return out.join('\n');
}

/**
 * Issue 11: POST /buy with PaymentIntents (3-D Secure, webhooks) against the shop from before
 * them, on SQLite, interleaved in one run (`--before-shop` runs that tree as sqlite-before).
 */
function checkoutBeforeSection(c: (CheckoutFile & { rows: RatioRow[] }) | null, targets: Target[]): string {
  const rows = ((c?.rows ?? []) as RatioRow[]).filter((r) => r.target === 'shop' && r.gateway === '0 ms');
  const today = rows.filter((r) => r.database === 'sqlite');
  const before = rows.filter((r) => r.database === 'sqlite-before');
  if (!c || !today.length || !before.length) {
    targets.push({ what: 'POST /buy on SQLite vs the shop before PaymentIntents (issue 11)', goal: '≥ 0.9×', figure: 'not measured', ok: null });
    return '';
  }
  const out = ['### PaymentIntents against the shop before them, same run\n'];
  out.push(`Command: \`${c.command}\`. Rows in the order they ran; the shop before is the one at ${BASELINE_COMMIT} (before issues 11 and 12), which charged through the Charges API. settled/s = sales its in-process workers charged or declined per second during the run, backlog = sales still waiting for their charge at its end (both shops accept checkouts faster than 10 workers sharing the web's thread charge them). load = 1-minute load average after the row.\n`);
  out.push(
    markdownTable(
      ['shop', 'requests/s', 'settled/s', 'backlog', 'p50 ms', 'p99 ms', 'CPU ms/request', 'load'],
      rows.map((r) => [r.database === 'sqlite' ? 'today' : 'before', fmt(r.requestsPerSec), r.settledPerSec !== undefined ? fmt(r.settledPerSec) : '–', r.backlog !== undefined ? fmt(r.backlog) : '–', fmt(r.p50, 1), fmt(r.p99, 1), r.shopCpuMsPerReq?.toFixed(3) ?? '–', r.load1?.toFixed(1) ?? '–']),
    ),
  );
  const ratios = today.map((r, i) => r.requestsPerSec / (before[i] ?? before.at(-1)!).requestsPerSec);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  targets.push({
    what: 'POST /buy on SQLite vs the shop before PaymentIntents (issue 11)',
    goal: '≥ 0.9×',
    figure: `rounds ${ratios.map((x) => x.toFixed(2)).join(' / ')} → median ${median(ratios).toFixed(2)}×`,
    ok: median(ratios) >= 0.9,
  });
  return out.join('\n');
}

/**
 * Issue 12: the burn-down with its features unused, today's engine beside the one from before
 * them, interleaved in one run (`--only features`, or the full engine run's rows).
 */
function featuresSection(e: EngineFile | null, targets: Target[]): string {
  const rows = e?.results.filter((r) => r.item.key.startsWith('features-')) ?? [];
  if (!e || rows.length === 0) {
    targets.push({ what: 'Burn-down with the features unused vs before them', goal: '≥ 0.95×', figure: 'not measured', ok: null });
    return '';
  }
  const out = ['### Features unused\n'];
  out.push(`Command: \`${e.command}\` (${e.params.runs} runs of each, alternating; median shown; ${fmt(e.params.jobs, 0)} no-op jobs). The same burn-down on this checkout and on the engine built from the commit before issue 12's features (schedules, rate limits, results, progress, cancellation, tracing), none of them used.\n`);
  out.push(markdownTable(['setup', 'jobs/s', 'each run', 'load'], rows.map((r) => [r.item.label, fmt(r.median.jobsPerSec), r.runs.map((x) => fmt(x.jobsPerSec)).join(' / '), r.runs.map((x) => x.load1.toFixed(1)).join(' / ')])));
  for (const db of ['pg', 'sqlite']) {
    const today = rows.find((r) => r.item.key === `features-${db}-today`)?.median.jobsPerSec;
    const before = rows.find((r) => r.item.key === `features-${db}-before`)?.median.jobsPerSec;
    if (!today || !before) continue;
    targets.push({
      what: `Burn-down (${db === 'pg' ? 'PostgreSQL' : 'SQLite'}) with the features unused vs before them`,
      goal: '≥ 0.95×',
      figure: `${fmt(today)} / ${fmt(before)} jobs/s = ${fmt(today / before, 2)}×`,
      ok: today >= 0.95 * before,
    });
  }
  return out.join('\n');
}

/** Issue 14, target 5: the burn-down with millions of finished jobs kept, and what pruning them costs (`--only history`). */
function historySection(h: HistoryFile | null, targets: Target[]): string {
  if (!h) {
    targets.push({ what: 'Burn-down with 10 million finished jobs kept vs an empty table', goal: '≥ 0.95×', figure: 'not measured', ok: null });
    return '';
  }
  const out = ['### Cost as history grows\n'];
  out.push(
    `Command: \`${h.command}\` (${h.params.runs} runs of each, interleaved, each in a fresh process after an untimed burn-down of the same size; median shown; ${fmt(h.params.jobs, 0)} no-op jobs, 1×20). "Kept": ${fmt(h.params.historyJobs, 0)} finished jobs loaded straight into history, finished over the last 6.9 days; "empty": a fresh database. Finished jobs live outside errand_jobs (PostgreSQL: errand_jobs_history partitioned by UTC day; SQLite: a table per day behind a view). Bytes per retained job: PostgreSQL pg_total_relation_size of the partitions after VACUUM, SQLite dbstat of the history tables and indexes. Prune: one whole day's jobs, DROP of its partition or table now, against the DELETE of before (prune_jobs.sql in batches of 5000, on a copy of that day and the next in a table indexed as errand_jobs was; on PostgreSQL plus the VACUUM it leaves behind).\n`,
  );
  out.push(renderHistory(h));
  for (const d of h.drivers) {
    const name = d.db === 'pg' ? 'PostgreSQL' : 'SQLite';
    targets.push({
      what: `Burn-down (${name}) with ${fmt(h.params.historyJobs, 0)} finished jobs kept vs an empty table`,
      goal: `≥ ${h.params.target}×`,
      figure: `${fmt(d.full.median)} / ${fmt(d.empty.median)} jobs/s = ${fmt(d.ratio, 3)}× (${fmt(d.bytesPerJob, 0)} bytes per retained job)`,
      ok: d.met,
    });
    targets.push({
      what: `Pruning a day of history (${name}): no more than a DROP`,
      goal: 'a DROP',
      figure: `DROP ${fmt(d.prune.dropMs, 1)} ms for ${fmt(d.prune.rows, 0)} jobs (the DELETE of before: ${fmt(d.prune.deleteMs, 0)} ms)`,
      ok: true,
    });
  }
  return out.join('\n');
}

/** Issue 14, target 2: enqueue in one process, work in another, on one SQLite file. */
function xprocSection(e: EngineFile | null, targets: Target[]): string {
  if (!e) return '';
  const out = ['### Enqueue-to-start across processes\n'];
  out.push(`Command: \`${e.command}\` (${e.params.runs} runs, alternating; median shown). The worker in one process, the enqueuer in another; the send time travels in the payload. Idle CPU = the worker process's CPU over 3 s before the first job, in % of one core.\n`);
  const rows = e.results.filter((r) => r.item.kind === 'xlatency');
  out.push(
    markdownTable(
      ['system', 'p50 ms', 'p95 ms', 'p99 ms', 'p99 of each run', 'idle CPU %', 'load'],
      rows.map((r) => [
        r.item.label, fmt(r.median.p50, 2), fmt(r.median.p95, 2), fmt(r.median.p99, 2),
        r.runs.map((x) => fmt(x.latency?.p99 ?? null, 1)).join(' / '), fmt(r.median.idleCpuPct, 2), r.runs.map((x) => x.load1.toFixed(1)).join(' / '),
      ]),
    ),
  );
  const sqlite = rows.find((r) => r.item.key === 'errand-sqlite-xproc');
  if (sqlite) {
    targets.push({ what: 'SQLite enqueue-to-start p99, enqueuer and worker in different processes', goal: '≤ 5 ms', figure: `${fmt(sqlite.median.p99, 2)} ms (runs ${sqlite.runs.map((x) => fmt(x.latency?.p99 ?? null, 1)).join(' / ')})`, ok: (sqlite.median.p99 ?? Infinity) <= 5 });
    targets.push({ what: 'Idle CPU of an idle SQLite worker (wake-up channel)', goal: '≤ 1%', figure: `${fmt(sqlite.median.idleCpuPct, 2)}%`, ok: (sqlite.median.idleCpuPct ?? Infinity) <= 1 });
  }
  return out.join('\n');
}

export interface E2EFile {
  command: string;
  rows: { database: string; workers: number; concurrency: number; gatewayMs: number; sales: number; salesPerSec: number; bound: number; p50: number; p99: number }[];
  note?: string;
}

function e2eSection(e: E2EFile | null, targets: Target[]): string {
  const out = ['## End to end\n'];
  if (!e) {
    out.push('Not measured yet: run `npm run bench -- --only e2e` (needs the shop).\n');
    targets.push({ what: 'End-to-end sales/s vs the bound W×C/0.2 s', goal: '≥ 90%', figure: 'not measured', ok: null });
    return out.join('\n');
  }
  out.push(`Command: \`${e.command}\`. ${e.note ?? ''}\n`);
  out.push(markdownTable(['database', 'W', 'C', 'gateway', 'sales', 'sales/s', 'bound W×C/0.2 s', '% of bound', 'POST→finished p50 ms', 'p99 ms'], e.rows.map((r) => [r.database, r.workers, r.concurrency, `${r.gatewayMs} ms`, r.sales, fmt(r.salesPerSec), fmt(r.bound), `${fmt((100 * r.salesPerSec) / r.bound, 0)}%`, fmt(r.p50), fmt(r.p99)])));
  for (const r of e.rows) targets.push({ what: `End to end (${r.database}, W=${r.workers}, C=${r.concurrency})`, goal: '≥ 90% of bound', figure: `${fmt(r.salesPerSec)} / ${fmt(r.bound)} = ${fmt((100 * r.salesPerSec) / r.bound, 0)}%`, ok: r.salesPerSec >= 0.9 * r.bound });
  return out.join('\n');
}

export interface SoakFile {
  command: string;
  database: string;
  rate: number;
  actualRate?: number;
  durationSec: number;
  samples: { t: number; rssMB: number; heapMB: number; completed: number }[];
  verdict: { firstMinuteMB: number; lastMinuteMB: number; growthMB: number; slopeMBPerMin: number; grows: boolean };
}

function memorySection(e: EngineFile | null, s: SoakFile | null, targets: Target[]): string {
  const out = ['## Memory\n'];
  if (e) {
    const rows = e.results.filter((r) => r.item.kind === 'burndown');
    out.push('Resident set size of the worker process (Node under tsx with every library of the benchmark loaded: about 100 MB before any work). Peak = sampled every 100 ms during the burn-down (for two-process setups, the larger of the two). Idle = one second after a worker started on fresh, empty tables for the latency phase, in the same process after its burn-down (one-process setups only), so it includes whatever the burn-down left on the heap.\n');
    out.push(markdownTable(['setup', 'idle RSS MB', 'peak RSS MB in burn-down'], rows.map((r) => [r.item.label, fmt(r.median.rssIdleMB), fmt(r.median.rssPeakMB)])));
    out.push('');
    out.push(
      chart(
        'engine-memory',
        barChart({
          title: 'Worker process RSS',
          unit: 'MB',
          labels: rows.map((r) => r.item.label),
          series: [
            { name: 'idle', color: COLORS[2], values: rows.map((r) => r.median.rssIdleMB) },
            { name: 'peak in burn-down', color: COLORS[1], values: rows.map((r) => r.median.rssPeakMB) },
          ],
          width: 860,
        }),
      ),
    );
  }
  out.push('\n### Soak\n');
  if (!s) {
    out.push('Not part of `npm run bench` (it takes 5 minutes): run `npm run bench -- --soak` (or `npx tsx bench/soak.ts`).\n');
    targets.push({ what: 'No memory growth in the 5-minute soak', goal: 'flat beyond noise', figure: 'not measured', ok: null });
  } else {
    out.push(`Command: \`${s.command}\`: ${s.database}, ${s.rate} jobs/s asked${s.actualRate ? `, ${fmt(s.actualRate)} jobs/s achieved` : ''} for ${Math.round(s.durationSec / 60)} min, enqueue and worker in one process; RSS and heap sampled every 5 s after a forced GC.\n`);
    out.push(markdownTable(['first minute RSS MB', 'last minute RSS MB', 'growth MB', 'slope MB/min (least squares, after 1st min)', 'verdict'], [[fmt(s.verdict.firstMinuteMB), fmt(s.verdict.lastMinuteMB), fmt(s.verdict.growthMB, 1), fmt(s.verdict.slopeMBPerMin, 2), s.verdict.grows ? 'grows' : 'flat']]));
    out.push('');
    const pts = s.samples.filter((_, i) => i % Math.max(1, Math.floor(s.samples.length / 20)) === 0);
    out.push(
      chart(
        'soak-memory',
        barChart({
          title: `Soak: RSS and heap over time (${s.rate} jobs/s)`,
          unit: 'MB',
          labels: pts.map((p) => `${Math.round(p.t)} s`),
          series: [
            { name: 'RSS', color: COLORS[0], values: pts.map((p) => p.rssMB) },
            { name: 'heap used', color: COLORS[2], values: pts.map((p) => p.heapMB) },
          ],
        }),
      ),
    );
    targets.push({ what: 'No memory growth in the 5-minute soak', goal: 'flat beyond noise', figure: `${fmt(s.verdict.growthMB, 1)} MB growth, ${fmt(s.verdict.slopeMBPerMin, 2)} MB/min`, ok: !s.verdict.grows });
  }
  return out.join('\n');
}

function machineSection(m: MachineInfo, loads: number[]): string {
  const maxLoad = loads.length ? Math.max(...loads) : null;
  return [
    '## Machine\n',
    markdownTable(
      ['', ''],
      [
        ['CPU', `${m.cpu} — ${m.cores} cores`],
        ['Memory', `${m.memoryGiB} GiB`],
        ['OS', m.os],
        ['Node', m.node],
        ['PostgreSQL', `${m.postgres} on 127.0.0.1 (${Object.entries(m.pgSettings).map(([k, v]) => `${k}=${v}`).join(', ')})`],
        ['Redis', `${m.redis} on 127.0.0.1 (${m.redisPersistence})`],
        ['Measured', `${m.date}, commit ${m.commit}`],
        ['1-min load average seen after runs', maxLoad === null ? '–' : `${fmt(Math.min(...loads), 2)} to ${fmt(maxLoad, 2)}`],
      ],
      ['l', 'l'],
    ),
    '',
    'Everything (database, Redis, workers, load generator) shares these cores, so absolute figures are low and noisy next to a server; ' +
      'compare rows of one table, which ran interleaved under the same conditions. A load average well above 2 means other work shared the machine during the run.',
  ].join('\n');
}

export function renderSummary(): string {
  const engine = load<EngineFile>('engine');
  const checkout = load<CheckoutFile>('checkout');
  const e2e = load<E2EFile>('e2e');
  const soak = load<SoakFile>('soak');
  const targets: Target[] = [];
  const sections: string[] = [];
  sections.push('# Benchmarks\n');
  sections.push('Generated by `npm run bench` (bench/summary.ts renders this page from bench/results/*.json; charts are bench/charts/*.svg). Do not edit by hand: edit bench/analysis.md for the prose.\n');
  sections.push(
    [
      '## Commands\n',
      '```sh',
      'npm run bench                              # engine, checkout, end to end, then renders this page (25 min on this busy 2-core machine; engine alone 10–21 min)',
      'npm run bench -- --runs 1                  # the same with one run per engine setup instead of three (a quick look, not a median)',
      'npm run bench:engine                       # engine against peers only (-- --runs 3 --jobs 50000 --only errand-pg,graphile)',
      'npm run bench -- --only checkout           # checkout under load (shop + gateway + inline baseline)',
      'npm run bench -- --only e2e                # end to end, POST → finished',
      'npm run bench:engine -- --only features    # the burn-down today vs the engine before issue 12 (builds that one once in a temp worktree)',
      'npm run bench:engine -- --only redis --jobs 20000   # Errand on Redis beside BullMQ on the same server (bench/results/engine-redis.json)',
      'npm run bench:engine -- --only history     # burn-downs with 10 million finished jobs kept, bytes per job, prune cost (--history-jobs N to shrink; engine-history.json)',
      'npm run bench -- --soak                    # the 5-minute memory soak (also: npx tsx bench/soak.ts)',
      'npx tsx bench/summary.ts                   # re-render this page from the results files',
      '```',
    ].join('\n'),
  );
  const loads = engine ? engine.results.flatMap((r) => r.runs.map((x) => x.load1)) : [];
  if (engine) sections.push(machineSection(engine.machine, loads));
  if (engine) sections.push(engineSection(engine, targets));
  sections.push(xprocSection(load<EngineFile>('engine-xproc'), targets));
  sections.push(featuresSection(load<EngineFile>('engine-features') ?? engine, targets));
  sections.push(historySection(load<HistoryFile>('engine-history'), targets));
  sections.push(redisSection(load<EngineFile>('engine-redis') ?? (engine?.results.some((r) => r.item.key === 'errand-redis') ? engine : null), targets));
  sections.push(checkoutSection(checkout, targets));
  sections.push(checkoutRatioSection(load<CheckoutFile & { rows: RatioRow[] }>('checkout-ratio'), checkout, targets));
  sections.push(checkoutBeforeSection(load<CheckoutFile & { rows: RatioRow[] }>('checkout-issue11'), targets));
  sections.push(e2eSection(e2e, targets));
  sections.push(memorySection(engine, soak, targets));
  const analysis = join(HERE, 'analysis.md');
  const targetTable = ['## Targets\n', markdownTable(['target', 'goal', 'figure', ''], targets.map((t) => [t.what, t.goal, t.figure, mark(t.ok)]), ['l', 'l', 'l', 'l'])].join('\n');
  sections.splice(engine ? 3 : 2, 0, targetTable);
  if (existsSync(analysis)) sections.push(readFileSync(analysis, 'utf8').trim());
  return `${sections.filter(Boolean).join('\n\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderSummary());
  console.log(`wrote ${join(ROOT, 'BENCHMARKS.md')}`);
}
