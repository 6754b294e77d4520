import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createErrand, defineJob, type Errand, runSqliteMigrations } from '../src/index.js';

/**
 * SQLite migration 0008: errand_jobs_queue_state leaves running jobs out and the partial indexes
 * over (un)finished jobs test finished_at. What a user sees must not change: uniqueness released by
 * a finished job and taken again by a retried one, and an upgrade from 0007 keeps its data. (The
 * console's counts of running jobs per queue, which this changed, are in the conformance suite.)
 */
const MIGRATIONS = fileURLToPath(new URL('../sql/sqlite/migrations/', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-sqlite-indexes-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
const file = () => join(dir, `t${++seq}.db`);

describe('SQLite indexes (0008)', () => {
  it('releases a unique key when its job finishes and holds it again when the job is retried', async () => {
    const job = defineJob<{ n: number }>({ name: 'once', handler: async () => {} });
    const errand: Errand = await createErrand({ databaseUrl: `sqlite:${file()}`, jobs: [job] });
    try {
      const first = await errand.enqueue(job, { n: 1 }, { uniqueKey: 'k' });
      expect((await errand.enqueue(job, { n: 2 }, { uniqueKey: 'k' })).id).toBe(first.id); // held
      await errand.drain();
      const second = await errand.enqueue(job, { n: 3 }, { uniqueKey: 'k' });
      expect(second.id).not.toBe(first.id); // released by the completion
      await errand.drain();
      await errand.admin.retry([first.id]);
      expect((await errand.getJob(first.id))?.state).toBe('available');
      expect((await errand.enqueue(job, { n: 4 }, { uniqueKey: 'k' })).id).toBe(first.id); // held again
    } finally {
      await errand.close();
    }
  });

  it('upgrades a 0007 database: rows kept, finished_at made consistent, the new indexes in place', async () => {
    const path = file();
    const old = join(dir, 'upto0007');
    mkdirSync(old);
    for (const f of readdirSync(MIGRATIONS)) if (f < '0008') copyFileSync(join(MIGRATIONS, f), join(old, f));
    const db = new Database(path);
    runSqliteMigrations(db, { directory: old, table: 'errand_migrations' });
    const insert = db.prepare(
      `INSERT INTO errand_jobs (queue, name, payload, state, run_at, max_attempts, created_at, attempted_at, finished_at, unique_key)
       VALUES ('default', 'x', '{}', ?, 1000, 3, 1000, 2000, ?, ?)`,
    );
    insert.run('completed', 3000, 'a'); // finished, consistent
    insert.run('dead', null, 'b'); // finished without finished_at (an older version's row)
    insert.run('available', 4000, 'c'); // unfinished with a stale finished_at
    db.close();

    const errand = await createErrand({ databaseUrl: `sqlite:${path}` });
    await errand.close();
    const after = new Database(path, { readonly: true });
    try {
      // Since 0009 the finished ones are in history (errand_jobs_history_upgrade, behind the view).
      const rows = after
        .prepare('SELECT id, state, finished_at, unique_key FROM errand_jobs UNION ALL SELECT id, state, finished_at, unique_key FROM errand_jobs_history ORDER BY id')
        .all()
        .map(({ id: _id, ...r }: any) => r);
      expect(rows).toEqual([
        { state: 'completed', finished_at: 3000, unique_key: 'a' },
        { state: 'dead', finished_at: 2000, unique_key: 'b' },
        { state: 'available', finished_at: null, unique_key: 'c' },
      ]);
      const indexes = Object.fromEntries(
        (after.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'errand_jobs'").all() as { name: string; sql: string | null }[]).map((r) => [r.name, r.sql ?? '']),
      );
      expect(indexes.errand_jobs_queue_state).not.toContain("'running'");
      expect(indexes.errand_jobs_unique).toContain('finished_at IS NULL');
      expect(indexes.errand_jobs_state_finished).toBeUndefined(); // 0009: no finished row left in errand_jobs
      // 'c' is unfinished: it holds its key; 'a' and 'b' are finished: theirs are free.
      const holders = after.prepare("SELECT unique_key FROM errand_jobs INDEXED BY errand_jobs_unique WHERE unique_key IS NOT NULL AND finished_at IS NULL").all();
      expect(holders).toEqual([{ unique_key: 'c' }]);
    } finally {
      after.close();
    }
  });
});
