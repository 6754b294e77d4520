import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createErrand, deferFsync, defineJob, openSqlite } from '../src/index.js';

/**
 * SQLite: a claim commits without an fsync (synchronous=NORMAL for its transaction only, in WAL
 * mode), as PostgreSQL's claims commit with synchronous_commit off; completions, failures and
 * enqueues keep theirs. better-sqlite3 reports every statement it runs to `verbose`, so the log
 * shows which commit ran at which level.
 */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-sqlite-sync-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
function traced(): { db: Database.Database; log: string[] } {
  const log: string[] = [];
  class Traced extends Database {
    constructor(file: string) {
      super(file, { verbose: (sql) => log.push(String(sql).replace(/^(--[^\n]*\n)+/, '').trim()) });
    }
  }
  return { db: openSqlite(Traced, join(dir, `t${++seq}.db`)), log };
}

/** The statement log from the first claim on, each statement cut to its first words. */
const shape = (log: string[]) => log.map((l) => (l.startsWith('PRAGMA') ? l : l.split(/\s+/).slice(0, 3).join(' ')));

describe('SQLite: claims without an fsync, outcomes with one', () => {
  it('runs the claim at synchronous=NORMAL and restores FULL; the completion and the enqueue commit at FULL', async () => {
    const { db, log } = traced();
    const job = defineJob<{ n: number }>({ name: 'sync.probe', handler: async () => {} });
    const errand = await createErrand({ sqlite: db, jobs: [job] });
    try {
      log.length = 0;
      await errand.enqueueMany([job.with({ n: 1 }), job.with({ n: 2 })]);
      const enqueue = shape(log);
      expect(enqueue.some((l) => l.startsWith('INSERT INTO errand_jobs'))).toBe(true);
      expect(enqueue.some((l) => l.includes('synchronous'))).toBe(false);
      log.length = 0;
      await errand.drain();
      const s = shape(log);
      const claim = s.findIndex((l) => l.startsWith("UPDATE errand_jobs SET"));
      expect(claim).toBeGreaterThan(1);
      expect(s.slice(claim - 2, claim + 3)).toEqual(['PRAGMA synchronous = NORMAL', 'BEGIN IMMEDIATE', s[claim], 'COMMIT', 'PRAGMA synchronous = 2']);
      const complete = s.findIndex((l) => l.startsWith('INSERT INTO errand_jobs_history'));
      expect(complete).toBeGreaterThan(claim);
      // The completion's transaction runs at the connection's own level: no NORMAL since the claim's restore.
      expect(s.slice(claim + 3, complete).filter((l) => l.includes('synchronous'))).toEqual([]);
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect((await errand.admin.stateCounts()).completed).toBe(2);
    } finally {
      await errand.close();
      db.close();
    }
  });

  it('deferFsync: NORMAL for the write only, the level put back even when it throws; nothing inside a transaction; null where there is nothing to defer', () => {
    const { db, log } = traced();
    try {
      db.exec('CREATE TABLE t (x INTEGER)');
      const withoutFsync = deferFsync(db)!;
      expect(withoutFsync).not.toBeNull();
      log.length = 0;
      expect(withoutFsync(() => db.prepare('INSERT INTO t VALUES (1)').run().changes)).toBe(1);
      expect(shape(log)).toEqual(['PRAGMA synchronous = NORMAL', 'INSERT INTO t', 'PRAGMA synchronous = 2']);
      expect(() =>
        withoutFsync(() => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      log.length = 0;
      db.transaction(() => withoutFsync(() => db.prepare('INSERT INTO t VALUES (2)').run()))();
      expect(log.filter((l) => l.includes('synchronous'))).toEqual([]);

      db.pragma('synchronous = NORMAL');
      expect(deferFsync(db)).toBeNull(); // already without fsync
      db.pragma('synchronous = EXTRA');
      const extra = deferFsync(db)!;
      extra(() => {});
      expect(db.pragma('synchronous', { simple: true })).toBe(3); // its own level back, not FULL
      db.pragma('journal_mode = DELETE');
      expect(deferFsync(db)).toBeNull(); // a rollback journal: NORMAL could corrupt on power loss
    } finally {
      db.close();
    }
    const memory = openSqlite(Database, ':memory:');
    expect(deferFsync(memory)).toBeNull();
    memory.close();
  });
});
