/**
 * Why single enqueues on PostgreSQL are slow: a transaction that NOTIFYs takes a database-wide
 * lock at commit and holds it through the WAL flush, so such commits cannot be grouped.
 * 10 connections insert one row per autocommit statement, with and without pg_notify, 3 s each.
 * `npx tsx bench/engine/notify-probe.ts`
 */
import pg from 'pg';
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
await admin.connect();
await admin.query('DROP DATABASE IF EXISTS bench_notify_probe WITH (FORCE)');
await admin.query('CREATE DATABASE bench_notify_probe');
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/bench_notify_probe', max: 10 });
pool.on('error', () => {});
await pool.query('CREATE TABLE t (id bigserial primary key, x int)');
for (const [name, sql] of [
  ['insert', 'INSERT INTO t (x) VALUES ($1)'],
  ['insert+notify', "WITH i AS (INSERT INTO t (x) VALUES ($1) RETURNING id) SELECT pg_notify('c', 'q') FROM i"],
  ['insert', 'INSERT INTO t (x) VALUES ($1)'],
  ['insert+notify', "WITH i AS (INSERT INTO t (x) VALUES ($1) RETURNING id) SELECT pg_notify('c', 'q') FROM i"],
] as const) {
  let n = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (performance.now() - t0 < 3000) await pool.query(sql, [n++]);
    }),
  );
  console.log(name.padEnd(14), Math.round((n / (performance.now() - t0)) * 1000), 'statements/s (10 connections, autocommit)');
}
await pool.end();
await admin.query('DROP DATABASE bench_notify_probe WITH (FORCE)');
await admin.end();
