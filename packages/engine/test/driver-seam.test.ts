import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InternalErrandOptions } from '../src/client.js';
import { createErrand, defineJob, ErrandError, type Errand, type PgClient } from '../src/index.js';
import { DRIVERS } from './helpers/drivers.js';
import { createTestDatabase, HAS_PG, type TestDatabase, testPool } from './helpers/pg.js';
import { createTestRedis, HAS_REDIS } from './helpers/redis.js';

const logger = pino({ level: 'silent' });
const run = promisify(execFile);

/**
 * The driver boundary: which input each inserted row answers (by its ordinal, not by the order
 * rows come back in), and the database clients as optional peer dependencies.
 */
for (const target of DRIVERS) {
  describe.runIf(target.enabled)(`insert results map to their inputs: ${target.name}`, () => {
    let errand: Errand;
    let teardown: () => Promise<void>;
    let url: string;
    const job = defineJob<{ i: number }>({ name: 'mapped', handler: () => {} });

    beforeAll(async () => {
      const db = await target.setup();
      teardown = db.teardown;
      url = db.url;
      errand = await createErrand({ databaseUrl: db.url, jobs: [job], logger });
    });
    afterAll(async () => {
      await errand?.close();
      await teardown?.();
    });

    it('answers each input with its own job, unique-key hits with the holder', async () => {
      const holder = await errand.enqueue(job, { i: -1 }, { uniqueKey: 'held' });
      const requests = Array.from({ length: 300 }, (_, i) =>
        job.with({ i }, i % 7 === 3 ? { uniqueKey: 'held' } : i % 11 === 5 ? { uniqueKey: `twice-${i % 2}` } : {}),
      );
      const res = await errand.enqueueMany(requests);
      const firstTwice = new Map<string, number>();
      for (let i = 0; i < requests.length; i++) {
        const key = requests[i].options?.uniqueKey;
        const rec = await errand.admin.getJob(res[i].id);
        if (key === 'held') {
          expect(res[i]).toMatchObject({ id: holder.id, inserted: false });
        } else if (key && firstTwice.has(key)) {
          expect(res[i]).toMatchObject({ id: firstTwice.get(key), inserted: false }); // held by an earlier job of the same call
        } else {
          if (key) firstTwice.set(key, res[i].id);
          expect(res[i].inserted).toBe(true);
          expect(rec?.payload).toEqual({ i }); // this input's own job, not a neighbour's
          expect(res[i].uniqueKey).toBe(key ?? null);
        }
      }
      const fresh = res.filter((r) => r.inserted);
      expect(fresh.every((r, k) => k === 0 || r.id > fresh[k - 1].id)).toBe(true); // ids rise with the input position
      await errand.admin.bulk('delete', { state: 'available', name: job.name });
    });

    if (target.name === 'postgres') it('maps by ordinal even when the rows come back in another order', async () => {
      const pool = testPool(url, 10);
      const client = await pool.connect();
      try {
        // A connection that hands back every result's rows reversed: PostgreSQL may return an
        // INSERT … SELECT's rows in any order, so a match by position would now be wrong.
        const reversing: PgClient = {
          query: async (config) => {
            const r = await client.query(config as pg.QueryConfig);
            return { rows: [...r.rows].reverse(), rowCount: r.rowCount };
          },
        };
        await errand.enqueue(job, { i: -2 }, { uniqueKey: 'held-2' });
        const requests = Array.from({ length: 50 }, (_, i) => job.with({ i }, i % 5 === 0 ? { uniqueKey: 'held-2' } : {}));
        const res = await errand.enqueueMany(requests, { tx: reversing });
        for (let i = 0; i < requests.length; i++) {
          const rec = await errand.admin.getJob(res[i].id);
          expect(rec?.payload).toEqual(i % 5 === 0 ? { i: -2 } : { i });
          expect(res[i].inserted).toBe(i % 5 !== 0);
        }
      } finally {
        client.release();
        await pool.end();
      }
    });
  });
}

describe('database clients are optional peer dependencies', () => {
  const notFound = async (name: string): Promise<never> => {
    throw Object.assign(new Error(`Cannot find package '${name}' imported from errand`), { code: 'ERR_MODULE_NOT_FOUND' });
  };

  it.each([
    ['postgres://app:secret@db.example/shop', 'pg', 'postgres://app:***@db.example/shop needs the pg package: npm install pg'],
    ['sqlite:./data/nope.db', 'better-sqlite3', 'sqlite:./data/nope.db needs the better-sqlite3 package: npm install better-sqlite3'],
    ['memory:', 'better-sqlite3', 'memory: (SQLite in memory) needs the better-sqlite3 package: npm install better-sqlite3'],
    ['redis://:secret@127.0.0.1:6379/0', 'ioredis', 'redis://:***@127.0.0.1:6379/0 needs the ioredis package: npm install ioredis'],
    ['rediss://app:secret@cache.example:6380/2', 'ioredis', 'rediss://app:***@cache.example:6380/2 needs the ioredis package: npm install ioredis'],
  ])('%s without %s fails at once with ERRAND_DRIVER_MISSING naming the package', async (url, pkg, message) => {
    const loaded: string[] = [];
    const options: InternalErrandOptions = {
      databaseUrl: url,
      logger,
      loadClient: (name) => {
        loaded.push(name);
        return name === pkg ? notFound(name) : import(name);
      },
    };
    const err = await createErrand(options).catch((e) => e);
    expect(err).toBeInstanceOf(ErrandError);
    expect(err.code).toBe('ERRAND_DRIVER_MISSING');
    expect(err.message).toBe(message);
    expect(loaded).toEqual([pkg]); // only the client this URL needs is loaded
  });

  /** Run fixtures/open-url.ts in a process where `hide` cannot be found. */
  async function openIn(hide: string, url: string): Promise<{ ok?: boolean; code?: string; message?: string }> {
    const fixtures = join(import.meta.dirname, 'fixtures');
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@errand/source', '--import', 'tsx', '--import', join(fixtures, 'hide-packages.mjs'), join(fixtures, 'open-url.ts'), url],
      { env: { ...process.env, ERRAND_HIDE: hide, DATABASE_URL: '' } },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  }

  it('in a process without pg, SQLite works and a postgres URL names the package to install', async () => {
    expect(await openIn('pg', 'memory:')).toEqual({ ok: true });
    expect(await openIn('pg', 'postgres://app:secret@127.0.0.1:1/shop')).toEqual({
      code: 'ERRAND_DRIVER_MISSING',
      message: 'postgres://app:***@127.0.0.1:1/shop needs the pg package: npm install pg',
    });
    expect(await openIn('better-sqlite3', 'memory:')).toEqual({
      code: 'ERRAND_DRIVER_MISSING',
      message: 'memory: (SQLite in memory) needs the better-sqlite3 package: npm install better-sqlite3',
    });
    expect(await openIn('ioredis', 'memory:')).toEqual({ ok: true });
    expect(await openIn('ioredis', 'redis://:secret@127.0.0.1:1/0')).toEqual({
      code: 'ERRAND_DRIVER_MISSING',
      message: 'redis://:***@127.0.0.1:1/0 needs the ioredis package: npm install ioredis',
    });
  }, 60_000);

  it.runIf(HAS_REDIS)('in a process without pg and better-sqlite3, a redis URL works', async () => {
    const r = createTestRedis('errand_seam');
    try {
      expect(await openIn('pg,better-sqlite3', r.url)).toEqual({ ok: true });
    } finally {
      await r.drop();
    }
  }, 60_000);
});

describe.runIf(HAS_PG)('a shared pg pool without pg installed', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('names the package too', async () => {
    const pool = testPool(db.url, 10);
    try {
      const options: InternalErrandOptions = {
        pgPool: pool,
        logger,
        loadClient: async (name) => {
          throw Object.assign(new Error(`Cannot find package '${name}'`), { code: 'ERR_MODULE_NOT_FOUND' });
        },
      };
      const err = await createErrand(options).catch((e) => e);
      expect(err).toMatchObject({ code: 'ERRAND_DRIVER_MISSING', message: 'createErrand({ pgPool }) needs the pg package: npm install pg' });
    } finally {
      await pool.end();
    }
  });
});
