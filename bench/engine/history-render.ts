/** What `--only history` writes (bench/results/engine-history.json) and how it is shown: bench/engine/history.ts runs it, bench/summary.ts renders it. */
import { fmt } from '../lib/stats.js';
import { markdownTable } from '../lib/table.js';

export type Db = 'pg' | 'sqlite';
export interface HistoryFile {
  benchmark: 'engine-history';
  command: string;
  params: { runs: number; jobs: number; historyJobs: number; target: number };
  durationSec: number;
  drivers: {
    db: Db;
    /** Burn-down jobs/s of each run, and the median, on an empty table and with historyJobs kept. */
    empty: { runs: number[]; median: number };
    full: { runs: number[]; median: number };
    ratio: number;
    met: boolean;
    loadSec: number;
    historyBytes: number;
    bytesPerJob: number;
    prune: { rows: number; dropMs: number; deleteMs: number; vacuumMs: number | null };
  }[];
}

const NAME: Record<Db, string> = { pg: 'PostgreSQL', sqlite: 'SQLite' };

/** The tables of BENCHMARKS.md's history section (also printed at the end of a run). */
export function renderHistory(h: HistoryFile): string {
  const kept = fmt(h.params.historyJobs, 0);
  return [
    markdownTable(
      ['driver', 'empty table, jobs/s', `${kept} finished kept, jobs/s`, 'ratio', `target ≥ ${h.params.target}×`, 'each run (empty / kept)'],
      h.drivers.map((d) => [
        NAME[d.db], fmt(d.empty.median), fmt(d.full.median), `${fmt(d.ratio, 3)}×`, d.met ? 'met' : 'missed',
        `${d.empty.runs.map((x) => fmt(x)).join(' / ')} — ${d.full.runs.map((x) => fmt(x)).join(' / ')}`,
      ]),
    ),
    markdownTable(
      ['driver', 'history size', 'bytes per retained job', 'one day pruned (rows)', 'DROP ms', 'old DELETE ms', 'old DELETE + VACUUM ms', 'DROP vs DELETE'],
      h.drivers.map((d) => [
        NAME[d.db], `${fmt(d.historyBytes / 2 ** 20, 0)} MiB`, fmt(d.bytesPerJob, 0), fmt(d.prune.rows, 0), fmt(d.prune.dropMs, 1), fmt(d.prune.deleteMs, 0),
        d.prune.vacuumMs === null ? '—' : fmt(d.prune.deleteMs + d.prune.vacuumMs, 0), `${fmt(d.prune.deleteMs / d.prune.dropMs, 0)}× faster`,
      ]),
    ),
  ].join('\n\n');
}

