import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverOf } from '../src/client.js';
import type { PostgresDriver } from '../src/drivers/postgres/driver.js';
import type { SqliteDriver } from '../src/drivers/sqlite/driver.js';
import { createErrand, defineJob, type Errand } from '../src/index.js';
import { DRIVERS } from './helpers/drivers.js';
import { waitForEvent } from './helpers/signals.js';

const logger = pino({ level: 'silent' });

/** Inline mode holds for every enqueue path: async, bulk, synchronous, and inside a caller's transaction. */
for (const target of DRIVERS) {
  describe.runIf(target.enabled)(`inline mode: ${target.name}`, () => {
    let errand: Errand;
    let teardown: () => Promise<void>;
    const ran: string[] = [];
    const job = defineJob<{ tag: string }>({
      name: 'inline.probe',
      handler: (p) => {
        ran.push(p.tag);
      },
    });
    /** Resolves when the job tagged `tag` has run. */
    const ranJob = (tag: string) => waitForEvent(errand, 'job:success', (e) => (e.job.payload as { tag: string }).tag === tag, 5000);

    beforeAll(async () => {
      const db = await target.setup();
      teardown = db.teardown;
      errand = await createErrand({ databaseUrl: db.url, jobs: [job], logger, mode: 'inline' });
    });
    afterAll(async () => {
      await errand?.close();
      await teardown?.();
    });

    it('enqueue and enqueueMany run their jobs before they resolve', async () => {
      await errand.enqueue(job, { tag: 'one' });
      expect(ran).toContain('one');
      await errand.enqueueMany([job.with({ tag: 'bulk-1' }), job.with({ tag: 'bulk-2' })]);
      expect(ran).toEqual(expect.arrayContaining(['bulk-1', 'bulk-2']));
    });

    // Gated on what the driver can do (never its name): without a synchronous insert, the
    // synchronous calls must refuse, and `{ tx }` without transactional enqueue must too.
    it('enqueueSync and enqueueManySync run their jobs right after the caller’s synchronous code', async () => {
      if (!driverOf(errand).insertJobsSync) {
        expect(() => errand.enqueueSync(job, { tag: 'sync' })).toThrow(expect.objectContaining({ code: 'ERRAND_NOT_SUPPORTED' }));
        return;
      }
      const done = Promise.all([ranJob('sync'), ranJob('sync-many')]);
      errand.enqueueSync(job, { tag: 'sync' });
      errand.enqueueManySync([job.with({ tag: 'sync-many' })]);
      expect(ran).not.toContain('sync'); // handlers are asynchronous: not inside the call
      await done;
    });

    it('a synchronous enqueue in the caller’s transaction runs once it committed, never when it rolled back', async () => {
      if (!driverOf(errand).insertJobsSync || !driverOf(errand).capabilities.transactional) return; // postgres below; redis: no { tx } (conformance)
      const db = (driverOf(errand) as SqliteDriver).db;
      const committed = ranJob('tx-commit');
      db.transaction(() => {
        errand.enqueueSync(job, { tag: 'tx-commit' }, { tx: db });
      })();
      expect(() =>
        db.transaction(() => {
          errand.enqueueSync(job, { tag: 'tx-rollback' }, { tx: db });
          throw new Error('roll back');
        })(),
      ).toThrow('roll back');
      await committed;
      await errand.drain(); // waits for the inline runs under way
      expect(ran).not.toContain('tx-rollback');
    });

    it('an enqueue in the caller’s transaction runs once it committed, never when it rolled back', async () => {
      const driver = driverOf(errand);
      if (!driver.capabilities.transactional) {
        await expect(errand.enqueue(job, { tag: 'no-tx' }, { tx: {} as any })).rejects.toMatchObject({ code: 'ERRAND_NOT_SUPPORTED' });
        await errand.drain();
        expect(ran).not.toContain('no-tx');
        return;
      }
      if (driver.insertJobsSync) return; // sqlite: above
      const pool = (driverOf(errand) as PostgresDriver).pool;
      for (const outcome of ['ROLLBACK', 'COMMIT']) {
        const c = await pool.connect();
        await c.query({ text: 'BEGIN' });
        await errand.enqueue(job, { tag: `pg-${outcome}` }, { tx: c });
        expect(ran).not.toContain(`pg-${outcome}`); // not visible to the engine before the caller commits
        await c.query({ text: outcome });
        c.release();
      }
      await ranJob('pg-COMMIT');
      await errand.drain();
      expect(ran).not.toContain('pg-ROLLBACK');
    });
  });
}
