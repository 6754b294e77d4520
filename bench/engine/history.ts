/**
 * Issue 14, target 5, "cost as history grows": `npm run bench:engine -- --only history`
 * (flags: --history-jobs N, default 10,000,000 finished jobs kept; --jobs, default 20,000 per
 * burn-down; --runs, default 3).
 *
 * On each SQL driver, two databases: one empty, one holding N finished jobs loaded straight into
 * history (one bulk INSERT … SELECT per day: generate_series on PostgreSQL, a recursive CTE on
 * SQLite), their finished_at spread over the last 6.9 days so none is pruned meanwhile. Each run
 * burns down J no-op jobs (1×20, as the engine rows) in a fresh process on a fresh empty database
 * and on the loaded one, the four setups interleaved; figures are the median of the runs. Then:
 * bytes per retained job (PostgreSQL: pg_total_relation_size of the partitions after VACUUM;
 * SQLite: dbstat of the history tables and their indexes), and the cost of pruning one day's worth
 * — a DROP of its partition/table now, against the DELETE the engine did before (its
 * prune_jobs.sql, batches of 5000, on a copy of that day and the next in a table shaped and
 * indexed like errand_jobs before this change; on PostgreSQL also the VACUUM that DELETE leaves).
 * Prints the ratios with each target met or missed, writes bench/results/engine-history.json.
 */
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { dayTable, SqliteHistory } from '../../packages/engine/src/drivers/sqlite/history.js';
import { freshDatabase } from '../lib/env.js';
import { runChild } from '../lib/spawn.js';
import { fmt, median, sleep } from '../lib/stats.js';
import { type Db, type HistoryFile, renderHistory } from './history-render.js';

const SELF = fileURLToPath(import.meta.url);
const DAY = 86_400_000;
/** finished_at of the loaded jobs: from SPAN ago to a minute ago (under the 7-day retention). */
const SPAN = 6.9 * DAY;
const COLS = `id, queue, name, payload, state, priority, run_at, attempt, max_attempts, timeout_ms, unique_key, errors, locked_by,
  lease_expires_at, created_at, attempted_at, finished_at, result, progress, schedule_name, schedule_tick, rate_key, trace_context`;

// ----------------------------------------------------------------------------- child: one burn-down
interface ChildArgs {
  url: string;
  jobs: number;
  /** An untimed burn-down of this many first (JIT warm, connections up): 20,000 jobs take under a second, and a cold first one varied by 1.7× between runs of one setup. */
  warmup: number;
  capMs: number;
}

async function child(a: ChildArgs): Promise<{ jobsPerSec: number; burndownMs: number; completed: number }> {
  const { createErrand, defineJob } = await import('errand');
  let handled = 0;
  const noop = defineJob<{ i: number }>({
    name: 'noop',
    handler: async () => {
      handled++;
    },
  });
  const errand = await createErrand({ databaseUrl: a.url, jobs: [noop], logger: pino({ level: 'warn' }) });
  // Unfinished jobs only (admin.queues reads errand_jobs): never a count of the history.
  const remaining = async () => (await errand.admin.queues()).reduce((n, q) => n + q.available + q.running + q.scheduled + q.retryable, 0);
  const burn = async (n: number) => {
    handled = 0;
    await errand.enqueueMany(Array.from({ length: n }, (_, i) => noop.with({ i })));
    const worker = errand.worker({ queues: { default: 20 }, prefetch: 20 });
    const t0 = performance.now();
    await worker.start();
    while (handled < n && performance.now() - t0 < a.capMs) await sleep(5);
    let left = await remaining();
    while (left > 0 && performance.now() - t0 < a.capMs) {
      await sleep(10);
      left = await remaining();
    }
    const burndownMs = performance.now() - t0;
    await worker.stop();
    return { jobsPerSec: ((n - left) / burndownMs) * 1000, burndownMs, completed: n - left };
  };
  if (a.warmup > 0) await burn(a.warmup);
  const out = await burn(a.jobs);
  await errand.close();
  return out;
}

// ----------------------------------------------------------------------------- loading N finished jobs
interface Loaded {
  url: string;
  loadSec: number;
  historyBytes: number;
  drop(): Promise<void>;
}

async function pgClient(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

async function migrate(url: string): Promise<void> {
  const { createErrand } = await import('errand');
  await (await createErrand({ databaseUrl: url, logger: pino({ level: 'warn' }) })).close();
}

async function loadPg(n: number): Promise<Loaded> {
  const db = await freshDatabase('history');
  await migrate(db.url);
  const c = await pgClient(db.url);
  const t0 = performance.now();
  try {
    await c.query(
      "SELECT errand_history_ensure('errand_jobs_history', ((now() - make_interval(secs => $1::float8 / 1000) - interval '1 minute') AT TIME ZONE 'UTC')::date, (now() AT TIME ZONE 'UTC')::date)",
      [SPAN],
    );
    // Ids rise with finished_at, as they do in use. A million rows a statement.
    const chunk = 1_000_000;
    for (let lo = 1; lo <= n; lo += chunk) {
      await c.query(
        `INSERT INTO errand_jobs_history (${COLS})
         SELECT g, 'default', 'noop', jsonb_build_object('i', g, 't', 1796000000000), 'completed', 0, f - interval '3 ms', 1, 25, NULL, NULL, '[]',
                'bench:1:history', NULL, f - interval '4 ms', f - interval '2 ms', f, NULL, NULL, NULL, NULL, NULL, NULL
         FROM generate_series($1::bigint, $2::bigint) g,
              LATERAL (SELECT now() - make_interval(secs => ($3::float8 - g::float8 / $4::float8 * $3::float8) / 1000) - interval '1 minute' AS f) x`,
        [lo, Math.min(n, lo + chunk - 1), SPAN, n],
      );
    }
    await c.query(`SELECT setval('errand_jobs_id_seq', $1)`, [n]);
    // What autovacuum would have done to these insert-only partitions by now.
    await c.query('VACUUM ANALYZE errand_jobs_history');
    // The load's WAL written out now, not by a checkpoint in the middle of the first runs.
    await c.query('CHECKPOINT');
    const loadSec = (performance.now() - t0) / 1000;
    const { rows } = await c.query(
      "SELECT sum(pg_total_relation_size(i.inhrelid))::bigint AS bytes FROM pg_inherits i WHERE i.inhparent = 'errand_jobs_history'::regclass",
    );
    return { url: db.url, loadSec, historyBytes: Number(rows[0].bytes), drop: db.drop };
  } finally {
    await c.end();
  }
}

function sqliteFile(tag: string): string {
  return join(tmpdir(), `bench_history_${tag}_${process.pid}_${Date.now()}.db`);
}

function removeSqlite(file: string): Promise<void> {
  return import('node:fs').then(({ rmSync }) => {
    for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-wake`]) rmSync(f, { force: true, recursive: true });
  });
}

/** The history tables and their indexes, from dbstat (or the file's growth when dbstat is missing). */
function sqliteHistoryBytes(db: Database.Database, before: number, file: string): number {
  try {
    const r = db.prepare("SELECT sum(pgsize) AS bytes FROM dbstat WHERE name GLOB 'errand_jobs_history_*'").get() as { bytes: number };
    return Number(r.bytes);
  } catch {
    db.pragma('wal_checkpoint(TRUNCATE)');
    return statSync(file).size - before;
  }
}

async function loadSqlite(n: number): Promise<Loaded> {
  const file = sqliteFile('full');
  await migrate(`sqlite:${file}`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF'); // the load only; the engine opens the file with FULL
  const before = statSync(file).size;
  const t0 = performance.now();
  try {
    const history = new SqliteHistory(db);
    const start = Date.now() - 60_000 - SPAN;
    const finishedAt = (i: number) => Math.floor(start + (i / n) * SPAN);
    // Ids 1..n in finished order; each day's table takes the ids whose finished_at falls in it.
    let lo = 1;
    while (lo <= n) {
      const table = dayTable(finishedAt(lo));
      const dayEnd = Date.UTC(new Date(finishedAt(lo)).getUTCFullYear(), new Date(finishedAt(lo)).getUTCMonth(), new Date(finishedAt(lo)).getUTCDate()) + DAY;
      let hi = Math.min(n, Math.floor(((dayEnd - start) / SPAN) * n));
      while (hi < n && finishedAt(hi + 1) < dayEnd) hi++;
      while (hi > lo && finishedAt(hi) >= dayEnd) hi--;
      history.ensure(finishedAt(lo));
      db.transaction(() => {
        db.prepare(
          `INSERT INTO ${table} (${COLS})
           WITH RECURSIVE g(i) AS (SELECT @lo UNION ALL SELECT i + 1 FROM g WHERE i < @hi)
           SELECT i, 'default', 'noop', json_object('i', i, 't', 1796000000000), 'completed', 0, f - 3, 1, 25, NULL, NULL, '[]',
                  'bench:1:history', NULL, f - 4, f - 2, f, NULL, NULL, NULL, NULL, NULL, NULL
           FROM (SELECT i, CAST(@start + (CAST(i AS REAL) / @n) * @span AS INTEGER) AS f FROM g)`,
        ).run({ lo, hi, start, n, span: SPAN });
      })();
      lo = hi + 1;
    }
    db.prepare("INSERT OR REPLACE INTO sqlite_sequence (name, seq) VALUES ('errand_jobs', ?)").run(n);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const loadSec = (performance.now() - t0) / 1000;
    return { url: `sqlite:${file}`, loadSec, historyBytes: sqliteHistoryBytes(db, before, file), drop: () => removeSqlite(file) };
  } finally {
    db.close();
  }
}

// ----------------------------------------------------------------------------- prune: DROP vs the old DELETE
/** When the day of a history table (…_YYYYMMDD) ends. */
function dayEnd(table: string): Date {
  const day = table.slice(-8);
  return new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8))) + DAY);
}

/** The engine's prune before history (prune_jobs.sql as it was): batches of 5000. */
const OLD_PRUNE_PG = `DELETE FROM bench_old_jobs WHERE id IN (
  SELECT id FROM bench_old_jobs WHERE state IN ('completed', 'dead', 'cancelled') AND finished_at < $1 LIMIT 5000)`;
const OLD_PRUNE_SQLITE = `DELETE FROM bench_old_jobs WHERE id IN (
  SELECT id FROM bench_old_jobs WHERE state IN ('completed', 'dead', 'cancelled') AND finished_at IS NOT NULL AND finished_at < @before LIMIT @limit)`;

async function prunePg(url: string): Promise<HistoryFile['drivers'][number]['prune']> {
  const c = await pgClient(url);
  try {
    const parts = (await c.query("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'errand_jobs_history'::regclass ORDER BY 1")).rows.map((r) => r.relname as string);
    const nonEmpty: string[] = [];
    for (const p of parts) if ((await c.query(`SELECT EXISTS (SELECT 1 FROM ${p}) AS x`)).rows[0].x) nonEmpty.push(p);
    // The oldest day is a partial one (the load starts mid-day): dropped first, untimed; the
    // next is a whole day.
    await c.query("SELECT errand_history_drop('errand_jobs_history', $1)", [dayEnd(nonEmpty[0])]);
    const [, oldest, next] = nonEmpty;
    const rows = Number((await c.query(`SELECT count(*) AS n FROM ${oldest}`)).rows[0].n);
    const end = dayEnd(oldest);
    // errand_jobs as it was before 0010, with its indexes (the ones over finished rows included).
    await c.query(`CREATE TABLE bench_old_jobs (LIKE errand_jobs_history)`);
    await c.query(`INSERT INTO bench_old_jobs SELECT * FROM ${oldest} UNION ALL SELECT * FROM ${next}`);
    await c.query(`ALTER TABLE bench_old_jobs ADD PRIMARY KEY (id)`);
    await c.query(`CREATE INDEX ON bench_old_jobs (queue, priority, run_at, id) WHERE state IN ('available', 'scheduled', 'retryable')`);
    await c.query(`CREATE INDEX ON bench_old_jobs (lease_expires_at) WHERE state = 'running'`);
    await c.query(`CREATE INDEX ON bench_old_jobs (state, id) WHERE state IN ('completed', 'dead', 'cancelled')`);
    await c.query(`CREATE INDEX ON bench_old_jobs (state, finished_at) WHERE state IN ('completed', 'dead', 'cancelled')`);
    await c.query(`CREATE INDEX ON bench_old_jobs (state, run_at, id) WHERE state IN ('scheduled', 'available', 'retryable')`);
    await c.query(`CREATE UNIQUE INDEX ON bench_old_jobs (unique_key) WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'dead', 'cancelled')`);
    await c.query(`CREATE INDEX ON bench_old_jobs (queue, state, run_at) WHERE state IN ('scheduled', 'available', 'running', 'retryable')`);
    await c.query(`CREATE UNIQUE INDEX ON bench_old_jobs (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL`);
    await c.query(`VACUUM ANALYZE bench_old_jobs`);
    let t = performance.now();
    for (;;) if (((await c.query(OLD_PRUNE_PG, [end])).rowCount ?? 0) < 5000) break;
    const deleteMs = performance.now() - t;
    t = performance.now();
    await c.query('VACUUM bench_old_jobs');
    const vacuumMs = performance.now() - t;
    await c.query('DROP TABLE bench_old_jobs');
    t = performance.now();
    await c.query("SELECT errand_history_drop('errand_jobs_history', $1)", [end]);
    const dropMs = performance.now() - t;
    return { rows, dropMs, deleteMs, vacuumMs };
  } finally {
    await c.end();
  }
}

function pruneSqlite(url: string): HistoryFile['drivers'][number]['prune'] {
  const db = new Database(url.slice('sqlite:'.length));
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = FULL'); // as the engine opens it
  try {
    const history = new SqliteHistory(db);
    const days = history.tables().filter((t) => /_\d{8}$/.test(t) && db.prepare(`SELECT 1 FROM ${t} LIMIT 1`).get());
    // The oldest day is a partial one: dropped first, untimed (as on PostgreSQL).
    history.drop(dayEnd(days[0]).getTime(), Date.now());
    const [, oldest, next] = days;
    const rows = Number((db.prepare(`SELECT count(*) AS n FROM ${oldest}`).get() as { n: number }).n);
    const end = dayEnd(oldest).getTime();
    // errand_jobs as it was after 0008, with its indexes.
    // Its day table's definition (id the rowid, as errand_jobs' was), under another name.
    const ddl = (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(oldest) as { sql: string }).sql;
    db.exec(ddl.replace(oldest, 'bench_old_jobs'));
    db.exec(`INSERT INTO bench_old_jobs SELECT * FROM ${oldest} UNION ALL SELECT * FROM ${next}`);
    db.exec(`CREATE INDEX bench_old_fetch ON bench_old_jobs (queue, priority, run_at, id) WHERE state IN ('available', 'scheduled', 'retryable');
      CREATE INDEX bench_old_lease ON bench_old_jobs (lease_expires_at) WHERE state = 'running';
      CREATE INDEX bench_old_state ON bench_old_jobs (state, id);
      CREATE INDEX bench_old_state_finished ON bench_old_jobs (state, finished_at) WHERE finished_at IS NOT NULL;
      CREATE UNIQUE INDEX bench_old_unique ON bench_old_jobs (unique_key) WHERE unique_key IS NOT NULL AND finished_at IS NULL;
      CREATE INDEX bench_old_due ON bench_old_jobs (state, run_at, id) WHERE state IN ('scheduled', 'available', 'retryable');
      CREATE INDEX bench_old_queue_state ON bench_old_jobs (queue, state, run_at) WHERE state IN ('scheduled', 'available', 'retryable');
      CREATE UNIQUE INDEX bench_old_schedule ON bench_old_jobs (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL;`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const del = db.prepare(OLD_PRUNE_SQLITE);
    let t = performance.now();
    for (;;) if (del.run({ before: end, limit: 5000 }).changes < 5000) break;
    const deleteMs = performance.now() - t;
    db.exec('DROP TABLE bench_old_jobs');
    db.pragma('wal_checkpoint(TRUNCATE)');
    t = performance.now();
    history.drop(end, Date.now());
    const dropMs = performance.now() - t;
    return { rows, dropMs, deleteMs, vacuumMs: null };
  } finally {
    db.close();
  }
}

// ----------------------------------------------------------------------------- the run
async function freshUrl(db: Db): Promise<{ url: string; drop(): Promise<void> }> {
  if (db === 'pg') {
    const d = await freshDatabase('history_empty');
    return { url: d.url, drop: d.drop };
  }
  const file = sqliteFile('empty');
  return { url: `sqlite:${file}`, drop: () => removeSqlite(file) };
}

export async function runHistory(opts: { runs: number; jobs: number; historyJobs: number; capMs: number; command: string; out: string }): Promise<HistoryFile> {
  const t0 = Date.now();
  const TARGET = 0.95;
  const dbs: Db[] = ['pg', 'sqlite'];
  const loaded = new Map<Db, Loaded>();
  for (const db of dbs) {
    console.log(`[history] loading ${fmt(opts.historyJobs, 0)} finished jobs into ${db === 'pg' ? 'PostgreSQL' : 'SQLite'} history…`);
    const l = db === 'pg' ? await loadPg(opts.historyJobs) : await loadSqlite(opts.historyJobs);
    loaded.set(db, l);
    console.log(`[history]   ${l.loadSec.toFixed(1)} s, ${fmt(l.historyBytes / 2 ** 20, 0)} MiB, ${fmt(l.historyBytes / opts.historyJobs, 0)} bytes per job`);
  }
  const runs = new Map<string, number[]>();
  try {
    for (let r = 1; r <= opts.runs; r++) {
      for (const db of dbs) {
        // Alternate which goes first, so a drift within a round hits both alike.
        const order: ('empty' | 'full')[] = r % 2 ? ['empty', 'full'] : ['full', 'empty'];
        for (const kept of order) {
          const fresh = kept === 'empty' ? await freshUrl(db) : null;
          const url = fresh?.url ?? loaded.get(db)!.url;
          const started = Date.now();
          try {
            const res = await runChild<{ jobsPerSec: number; completed: number }>(SELF, { url, jobs: opts.jobs, warmup: opts.jobs, capMs: opts.capMs } satisfies ChildArgs, { timeoutMs: opts.capMs + 120_000 });
            const key = `${db}-${kept}`;
            runs.set(key, [...(runs.get(key) ?? []), res.jobsPerSec]);
            console.log(`[run ${r}/${opts.runs}] ${db.padEnd(6)} ${kept === 'empty' ? 'empty table' : `${fmt(opts.historyJobs, 0)} kept`.padEnd(16)} ${fmt(res.jobsPerSec)} jobs/s  (${((Date.now() - started) / 1000).toFixed(1)} s, load ${res.load1.toFixed(2)})`);
          } catch (err) {
            console.error(`[run ${r}/${opts.runs}] ${db} ${kept} FAILED: ${(err as Error).message}`);
          } finally {
            await fresh?.drop();
          }
        }
      }
    }
    const drivers: HistoryFile['drivers'] = [];
    for (const db of dbs) {
      const l = loaded.get(db)!;
      console.log(`[history] prune cost on ${db}…`);
      const prune = db === 'pg' ? await prunePg(l.url) : pruneSqlite(l.url);
      const empty = runs.get(`${db}-empty`) ?? [];
      const full = runs.get(`${db}-full`) ?? [];
      const e = empty.length ? median(empty) : Number.NaN;
      const f = full.length ? median(full) : Number.NaN;
      drivers.push({
        db, empty: { runs: empty, median: e }, full: { runs: full, median: f }, ratio: f / e, met: f / e >= TARGET,
        loadSec: l.loadSec, historyBytes: l.historyBytes, bytesPerJob: l.historyBytes / opts.historyJobs, prune,
      });
    }
    const file: HistoryFile = {
      benchmark: 'engine-history', command: opts.command, params: { runs: opts.runs, jobs: opts.jobs, historyJobs: opts.historyJobs, target: TARGET },
      durationSec: Math.round((Date.now() - t0) / 1000), drivers,
    };
    console.log(`\n${renderHistory(file)}\n`);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(opts.out, `${JSON.stringify(file, null, 2)}\n`);
    console.log(`wrote ${opts.out} (${file.durationSec} s)`);
    return file;
  } finally {
    for (const l of loaded.values()) await l.drop().catch(() => {});
  }
}

if (process.argv[1] === SELF && process.argv[2]) {
  child(JSON.parse(process.argv[2]) as ChildArgs).then(
    (r) => {
      console.log(`RESULT ${JSON.stringify(r)}`);
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
