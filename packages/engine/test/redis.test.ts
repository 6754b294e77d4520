/**
 * What only the Redis driver has: its URLs, its key layout (a hash tag per queue, so it works on
 * Redis Cluster), the database number of the URL, wake-ups by pub/sub without polling, and the
 * server's clock for leases. The behaviour every driver shares is in conformance.test.ts.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverOf } from '../src/client.js';
import type { RedisDriver } from '../src/drivers/redis/driver.js';
import { createErrand, defineJob, ErrandError, type Errand } from '../src/index.js';
import { parseDatabaseUrl } from '../src/url.js';
import { createTestRedis, createTestRedisClient, HAS_REDIS, REDIS_TEST_URL, type TestRedis } from './helpers/redis.js';
import { waitForEvent } from './helpers/signals.js';

const logger = pino({ level: 'silent' });

describe('Redis URLs', () => {
  it('accepts redis:// and rediss:// with user, password and database, and takes prefix out of the client URL', () => {
    expect(parseDatabaseUrl('redis://127.0.0.1:6379/0')).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379/0', prefix: 'errand' });
    expect(parseDatabaseUrl('rediss://app:s3cret@cache.example:6380/4?prefix=shop_jobs')).toEqual({
      kind: 'redis',
      url: 'rediss://app:s3cret@cache.example:6380/4',
      prefix: 'shop_jobs',
    });
    expect(parseDatabaseUrl('redis://localhost')).toMatchObject({ kind: 'redis', prefix: 'errand' });
  });

  it('refuses a database that is not a number and a prefix with braces, never showing the password', () => {
    for (const [url, msg] of [
      ['redis://:hunter2@127.0.0.1:6379/jobs', /database of a Redis URL is a number/],
      ['redis://u:hunter2@127.0.0.1:6379/0?prefix={x}', /prefix of a Redis URL/],
    ] as const) {
      const err = (() => {
        try {
          parseDatabaseUrl(url);
        } catch (e) {
          return e as ErrandError;
        }
      })();
      expect(err).toBeInstanceOf(ErrandError);
      expect(err?.code).toBe('ERRAND_BAD_URL');
      expect(err?.message).toMatch(msg);
      expect(err?.message).not.toContain('hunter2');
    }
  });
});

describe.runIf(HAS_REDIS)('the Redis driver', () => {
  let r: TestRedis;
  let errand: Errand;
  const redis = createTestRedisClient();

  beforeAll(async () => {
    r = createTestRedis('errand_redis');
    errand = await createErrand({ databaseUrl: r.url, logger });
  });
  afterAll(async () => {
    await errand?.close();
    redis.disconnect();
    await r?.drop();
  });

  async function keys(prefix: string, db = 0): Promise<string[]> {
    if (db !== 0) await redis.select(db);
    try {
      const out: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        out.push(...found);
      } while (cursor !== '0');
      return out.sort();
    } finally {
      if (db !== 0) await redis.select(0);
    }
  }

  it('keeps a queue’s keys under its hash tag, and only a few global keys beside them', async () => {
    const j = defineJob<{ n: number }>({ name: 'layout.job', queue: 'layout-q', handler: () => {} });
    errand.register(j);
    const [a, b] = await errand.enqueueMany([j.with({ n: 1 }), j.with({ n: 2 }, { delayMs: 60_000, uniqueKey: 'u1' })]);
    await errand.drain({ queue: 'layout-q' });
    const all = await keys(r.prefix);
    const tagged = all.filter((k) => k.startsWith(`${r.prefix}:{layout-q}:`));
    const global = all.filter((k) => !k.includes('{'));
    expect(tagged).toEqual(
      expect.arrayContaining([
        `${r.prefix}:{layout-q}:job:${a.id}`,
        `${r.prefix}:{layout-q}:job:${b.id}`,
        `${r.prefix}:{layout-q}:completed`,
        `${r.prefix}:{layout-q}:scheduled`,
        `${r.prefix}:{layout-q}:unique`,
      ]),
    );
    for (const k of global) expect(['id', 'queues', 'jobq', 'workers', 'schedules']).toContain(k.slice(r.prefix.length + 1));
    expect(tagged.length + global.length).toBe(all.length);
    expect(await redis.hgetall(`${r.prefix}:{layout-q}:job:${a.id}`)).toMatchObject({ state: 'completed', name: 'layout.job', payload: '{"n":1}' });
    expect(await redis.zscore(`${r.prefix}:{layout-q}:scheduled`, String(b.id).padStart(16, '0'))).toBe(String(b.runAt.getTime()));
  });

  it('uses the database number of the URL', async () => {
    const other = createTestRedis('errand_db3');
    const url3 = other.url.replace(/\/0\?/, '/3?');
    expect(url3).toContain('/3?prefix=');
    const e3 = await createErrand({ databaseUrl: url3, logger });
    try {
      const j = defineJob<null>({ name: 'db3.job', handler: () => {} });
      const enq = await e3.enqueue(j, null);
      expect(await keys(other.prefix, 3)).toContain(`${other.prefix}:{default}:job:${enq.id}`);
      expect(await keys(other.prefix, 0)).toEqual([]);
    } finally {
      await e3.admin.delete((await e3.admin.listJobs({ state: 'available', limit: 100 })).jobs.map((x) => x.id));
      await redis.select(3);
      await redis.del(`${other.prefix}:id`, `${other.prefix}:queues`, `${other.prefix}:jobq`);
      await redis.select(0);
      await e3.close();
    }
  });

  it('wakes a worker by pub/sub: a job enqueued by another client starts without waiting for the (one-minute) poll', async () => {
    const ran: number[] = [];
    const j = defineJob<null>({ name: 'wake.job', queue: 'wake-q', handler: (_p, ctx) => void ran.push(ctx.id) });
    errand.register(j);
    const w = errand.worker({ queues: { 'wake-q': 1 }, pollMs: 60_000 });
    await w.start();
    const producer = await createErrand({ databaseUrl: r.url, logger });
    try {
      // Let the worker's first (empty) claim pass, so only a wake-up can start the job.
      await new Promise((res) => setTimeout(res, 300));
      const started = Date.now();
      const done = waitForEvent(errand, 'job:success', (e) => e.job.name === 'wake.job', 5000);
      const enq = await producer.enqueue(j, null);
      await done;
      expect(ran).toEqual([enq.id]);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await w.stop();
      await producer.close();
    }
  });

  it('leases run on the server’s clock', async () => {
    const j = defineJob<null>({ name: 'lease.job', queue: 'lease-q', handler: () => {} });
    await errand.enqueue(j, null);
    const driver = driverOf(errand) as RedisDriver;
    const [claimed] = await driver.claimJobs('lease-q', 1, 'w-clock', 30_000);
    const [s, us] = await redis.time();
    const serverNow = Number(s) * 1000 + Math.floor(Number(us) / 1000);
    const rec = await errand.admin.getJob(claimed.id);
    expect(Math.abs(rec!.leaseExpiresAt!.getTime() - (serverNow + 30_000))).toBeLessThan(1000);
    expect(rec).toMatchObject({ state: 'running', lockedBy: 'w-clock', attempt: 1 });
    await driver.releaseJobs([claimed.id], 'w-clock', true, null);
    expect(await errand.admin.getJob(claimed.id)).toMatchObject({ state: 'available', attempt: 0, leaseExpiresAt: null });
  });

  it('prunes finished jobs past the cutoff with every trace of them, and keeps unfinished ones', async () => {
    const j = defineJob<null>({ name: 'prune.job', queue: 'prune-q', handler: () => {} });
    errand.register(j);
    const [a, b] = await errand.enqueueMany([j.with(null), j.with(null, { delayMs: 60_000 })]);
    await errand.drain({ queue: 'prune-q' });
    const driver = driverOf(errand);
    expect(await driver.prune(3600_000)).toBe(0); // finished just now: kept
    expect(await errand.admin.getJob(a.id)).toMatchObject({ state: 'completed' });
    await new Promise((res) => setTimeout(res, 20));
    expect(await driver.prune(10)).toBeGreaterThanOrEqual(1);
    expect(await errand.admin.getJob(a.id)).toBeNull();
    expect(await redis.exists(`${r.prefix}:{prune-q}:job:${a.id}`)).toBe(0);
    expect(await redis.hget(`${r.prefix}:jobq`, String(a.id))).toBeNull();
    expect(await redis.zscore(`${r.prefix}:{prune-q}:completed`, String(a.id).padStart(16, '0'))).toBeNull();
    expect(await redis.zcard(`${r.prefix}:{prune-q}:finished`)).toBe(0);
    expect(await errand.admin.getJob(b.id)).toMatchObject({ state: 'scheduled' });
  });

  it('reserves job ids a block ahead: singles take no INCRBY of their own, and ids stay unique across clients and large batches', async () => {
    const j = defineJob<{ k: string }>({ name: 'ids.job', queue: 'ids-q', handler: () => {} });
    const other = await createErrand({ databaseUrl: r.url, logger });
    try {
      const first = await errand.enqueue(j, { k: 'a-first' });
      const counter = Number(await redis.get(`${r.prefix}:id`));
      expect(counter).toBeGreaterThanOrEqual(first.id + 900); // a block reserved, not one id
      const singles = [];
      for (let i = 0; i < 10; i++) singles.push(await errand.enqueue(j, { k: `a${i}` }));
      expect(Number(await redis.get(`${r.prefix}:id`))).toBe(counter); // none of them drew an id from Redis
      expect(singles.map((e) => e.id)).toEqual(singles.map((_, i) => first.id + 1 + i));
      // Two clients at once, past their blocks' refills, beside batches larger than a block.
      const all = [first, ...singles];
      const batches = await Promise.all([
        (async () => {
          const out = [];
          for (let i = 0; i < 700; i++) out.push(await errand.enqueue(j, { k: `A${i}` }));
          return out;
        })(),
        (async () => {
          const out = [];
          for (let i = 0; i < 700; i++) out.push(await other.enqueue(j, { k: `B${i}` }));
          return out;
        })(),
        errand.enqueueMany(Array.from({ length: 1500 }, (_, i) => j.with({ k: `M${i}` }))),
        other.enqueueMany(Array.from({ length: 300 }, (_, i) => j.with({ k: `N${i}` }))),
      ]);
      for (const b of batches) all.push(...b);
      expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
      const ids = all.map((e) => e.id);
      const rows = await Promise.all([0, 1, 2, 700, 1500, 2000, ids.length - 1].map((i) => errand.admin.getJob(ids[i])));
      expect(rows.map((x) => x?.queue)).toEqual(rows.map(() => 'ids-q'));
      expect(await redis.zcard(`${r.prefix}:{ids-q}:available`)).toBe(all.length);
    } finally {
      await other.close();
    }
  });

  it('sends concurrent enqueues in one pipeline, each answered with its own jobs, in call order, unique keys as if one after another', async () => {
    const j = defineJob<{ k: string }>({ name: 'coalesce.job', queue: 'coalesce-q', handler: () => {} });
    const other = defineJob<{ k: string }>({ name: 'coalesce.other', queue: 'coalesce-r', handler: () => {} });
    // Count the pipelines the driver sends meanwhile.
    const client = (driverOf(errand) as unknown as { client: { pipeline: () => unknown } }).client;
    const pipeline = client.pipeline;
    let pipelines = 0;
    client.pipeline = function (this: unknown) {
      pipelines++;
      return pipeline.call(this);
    };
    const results = await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => errand.enqueue(j, { k: `c${i}` })),
      errand.enqueue(j, { k: 'u1' }, { uniqueKey: 'coalesce-u' }),
      errand.enqueue(j, { k: 'u2' }, { uniqueKey: 'coalesce-u' }),
      errand.enqueueMany([other.with({ k: 'm1' }), j.with({ k: 'm2' })]),
    ]);
    client.pipeline = pipeline;
    const singles = results.slice(0, 42) as { id: number; inserted: boolean }[];
    const [m1, m2] = results[42] as { id: number; queue: string }[];
    // Ids in call order, one after another (the duplicate's id goes unused), each for its own payload.
    expect(singles.slice(0, 41).map((e) => e.id)).toEqual(singles.slice(0, 41).map((_, i) => singles[0].id + i));
    expect([m1.id, m2.id]).toEqual([singles[0].id + 42, singles[0].id + 43]);
    for (const [i, e] of singles.slice(0, 40).entries()) expect((await errand.admin.getJob(e.id))?.payload).toEqual({ k: `c${i}` });
    expect([m1.queue, m2.queue]).toEqual(['coalesce-r', 'coalesce-q']);
    // The second call with the key is answered by the first's job, as when made after it.
    expect(singles[41]).toMatchObject({ id: singles[40].id, inserted: false });
    expect((await errand.admin.getJob(singles[40].id))?.payload).toEqual({ k: 'u1' });
    // One pipeline (the queue registry, the id → queue entries, one insert per queue) for the 43 calls.
    expect(pipelines).toBe(1);
  });

  it('drops the ids it reserved when its connection closes (a restarted Redis may hand them out again)', async () => {
    const j = defineJob<null>({ name: 'ids2.job', queue: 'ids2-q', handler: () => {} });
    const own = await createErrand({ databaseUrl: r.url, logger });
    try {
      const a = await own.enqueue(j, null);
      expect((await own.enqueue(j, null)).id).toBe(a.id + 1); // from the block
      // As if Redis came back with another counter: the block must not be used after the reconnect.
      await redis.set(`${r.prefix}:id`, 5_000_000);
      const client = (driverOf(own) as RedisDriver).client as unknown as import('ioredis').Redis;
      const ready = new Promise<void>((res) => client.once('ready', () => res()));
      client.disconnect(true);
      await ready;
      const b = await own.enqueue(j, null);
      expect(b.id).toBeGreaterThan(5_000_000);
      expect(await own.admin.getJob(b.id)).toMatchObject({ state: 'available', name: 'ids2.job' });
    } finally {
      await own.close();
    }
  });

  it('has no migrations: migrate loads the scripts and applies nothing', async () => {
    expect(await driverOf(errand).migrate()).toEqual([]);
    expect(REDIS_TEST_URL).toMatch(/^rediss?:\/\//);
  });
});
