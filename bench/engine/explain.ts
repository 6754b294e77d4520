/**
 * EXPLAIN (ANALYZE, BUFFERS) of Errand's claim.sql and complete.sql on a table of 50,000 jobs:
 * fresh, then after half of them went through claim+complete (dead tuples and stale index
 * entries in place, as in the middle of a burn-down). Each EXPLAIN runs in a transaction that is
 * rolled back, so it does not change the state it measures. `npx tsx bench/engine/explain.ts`
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { makeSystem } from './systems.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SQL = join(HERE, '../../packages/engine/sql/postgres/queries');
const claimSql = readFileSync(join(SQL, 'claim.sql'), 'utf8');
const completeSql = readFileSync(join(SQL, 'complete.sql'), 'utf8');
const N = Number(process.argv[2] ?? 50_000);

async function explain(c: pg.Client, title: string, sql: string, values: unknown[]): Promise<void> {
  await c.query('BEGIN');
  const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS, TIMING, SUMMARY) ${sql}`, values);
  await c.query('ROLLBACK');
  console.log(`\n--- ${title}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
}

async function timeLoop(c: pg.Client, rounds: number, batch: number): Promise<{ claimMs: number; completeMs: number }> {
  let claimMs = 0;
  let completeMs = 0;
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    const { rows } = await c.query(claimSql, ['default', batch, 'explain', 15_000]);
    claimMs += performance.now() - t;
    t = performance.now();
    await c.query(completeSql, [rows.map((r) => r.id), 'explain']);
    completeMs += performance.now() - t;
  }
  return { claimMs: claimMs / rounds, completeMs: completeMs / rounds };
}

async function stats(c: pg.Client, title: string): Promise<void> {
  const t = await c.query(`SELECT n_live_tup, n_dead_tup, n_tup_upd, n_tup_hot_upd, autovacuum_count, last_autovacuum FROM pg_stat_user_tables WHERE relname = 'errand_jobs'`);
  const i = await c.query(`SELECT indexrelname, pg_size_pretty(pg_relation_size(indexrelid)) AS size, idx_scan, idx_tup_read FROM pg_stat_user_indexes WHERE relname = 'errand_jobs' ORDER BY indexrelname`);
  console.log(`\n--- ${title}: errand_jobs ${JSON.stringify(t.rows[0])}`);
  for (const r of i.rows) console.log(`    ${r.indexrelname.padEnd(28)} ${String(r.size).padStart(8)}  scans ${r.idx_scan}  tuples read ${r.idx_tup_read}`);
}

async function main(): Promise<void> {
  const sys = makeSystem('errand-pg');
  const url = await sys.setup();
  const t = performance.now();
  await sys.bulkInsert(Array.from({ length: N }, (_, i) => ({ i, t: 0 })));
  console.log(`inserted ${N} jobs in ${(performance.now() - t).toFixed(0)} ms`);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('ANALYZE errand_jobs');
  await explain(c, `claim 40 of ${N} available (fresh table)`, claimSql, ['default', 40, 'explain', 15_000]);
  console.log('\nper statement, fresh:', await timeLoop(c, 50, 40));
  // Half of the jobs through claim+complete, as in the middle of a burn-down.
  let done = 0;
  while (done < N / 2) {
    const { rows } = await c.query(claimSql, ['default', 1000, 'explain', 15_000]);
    await c.query(completeSql, [rows.map((r) => r.id), 'explain']);
    done += rows.length;
  }
  await stats(c, `after ${done} claimed+completed`);
  await explain(c, 'claim 40 (half-way, before vacuum)', claimSql, ['default', 40, 'explain', 15_000]);
  console.log('\nper statement, half-way:', await timeLoop(c, 50, 40));
  const claimed = (await c.query(claimSql, ['default', 1000, 'explain', 15_000])).rows.map((r) => r.id);
  await explain(c, 'complete 40', completeSql, [claimed.slice(0, 40), 'explain']);
  await explain(c, 'complete 1000', completeSql, [claimed, 'explain']);
  await c.query('VACUUM errand_jobs');
  await explain(c, 'claim 40 (half-way, after VACUUM)', claimSql, ['default', 40, 'explain', 15_000]);
  console.log('\nper statement, after VACUUM:', await timeLoop(c, 50, 40));
  await c.end();
  await sys.close(true);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
