import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverOf } from '../src/client.js';
import type { PostgresDriver } from '../src/drivers/postgres/driver.js';
import type { SqliteDriver } from '../src/drivers/sqlite/driver.js';
import { createErrand, defineJob, defineSchedule, delayable, ErrandError, type Errand, type JobDefinition, PermanentError } from '../src/index.js';
import { storedSchedule } from '../src/schedules/scheduler.js';
import { planTicks } from '../src/schedules/ticks.js';
import { assertEnqueued, refuteEnqueued } from '../src/testing.js';
import { DRIVERS, PG_IN_SCHEMA } from './helpers/drivers.js';
import { eventually, waitForEvent } from './helpers/signals.js';

const logger = pino({ level: 'silent' });
let seq = 0;
/** A unique queue per test, so tests sharing one database never see each other's jobs. */
const uniq = (p: string) => `${p}-${++seq}-${Math.random().toString(36).slice(2, 6)}`;

class Banana {
  eaten: string[] = [];
  constructor(public size: string) {}
  split(parts: number) {
    Banana.calls.push(`${this.size}/${parts}`);
  }
  static calls: string[] = [];
}
delayable(Banana);

for (const target of [...DRIVERS, PG_IN_SCHEMA]) {
  describe.runIf(target.enabled)(`conformance: ${target.name}`, () => {
    let errand: Errand;
    let teardown: () => Promise<void>;
    let url: string;

    beforeAll(async () => {
      const db = await target.setup();
      url = db.url;
      teardown = db.teardown;
      errand = await createErrand({ databaseUrl: url, logger });
    });
    afterAll(async () => {
      await errand?.close();
      await teardown?.();
    });

    /** Define and register a job on a fresh queue. */
    function job<P>(handler: (p: P, ctx: any) => unknown, extra: Partial<JobDefinition<P>> = {}): JobDefinition<P> {
      const def = defineJob<P>({ name: uniq('job'), queue: uniq('q'), handler, ...extra } as any);
      errand.register(def);
      return def;
    }

    it('runs an enqueued job: available → running → completed', async () => {
      const seen: unknown[] = [];
      const j = job<{ n: number }>((p, ctx) => {
        seen.push(p, ctx.attempt);
      });
      const enq = await errand.enqueue(j, { n: 1 });
      expect(enq).toMatchObject({ state: 'available', inserted: true, queue: j.queue, name: j.name });
      const w = errand.worker({ queues: { [j.queue!]: 2 } });
      const done = waitForEvent(errand, 'job:success', (e) => e.job.id === enq.id);
      await w.start();
      await done;
      await w.stop();
      expect(seen).toEqual([{ n: 1 }, 1]);
      const rec = await errand.admin.getJob(enq.id);
      expect(rec).toMatchObject({ state: 'completed', attempt: 1, errors: [] });
      expect(rec?.finishedAt).toBeInstanceOf(Date);
    });

    it('keeps a scheduled job until its time, then runs it', async () => {
      const ran: number[] = [];
      const j = job<null>(() => {
        ran.push(Date.now());
      });
      const before = Date.now();
      const enq = await errand.enqueue(j, null, { delayMs: 600 });
      expect(enq.state).toBe('scheduled');
      const w = errand.worker({ queues: { [j.queue!]: 1 }, pollMs: 50 });
      const done = waitForEvent(errand, 'job:success', (e) => e.job.id === enq.id);
      await w.start();
      await done;
      await w.stop();
      expect(ran[0] - before).toBeGreaterThanOrEqual(550);
    });

    it('claims in priority order, then run_at, then id', async () => {
      const order: number[] = [];
      const j = job<{ p: number }>((p) => {
        order.push(p.p);
      });
      await errand.enqueueMany([j.with({ p: 5 }, { priority: 5 }), j.with({ p: 0 }), j.with({ p: 2 }, { priority: 2 }), j.with({ p: -1 }, { priority: -1 })]);
      await errand.drain({ queue: j.queue });
      expect(order).toEqual([-1, 0, 2, 5]);
    });

    it('claims by run_at before id within a priority: an older job due later waits its turn', async () => {
      const j = job<{ n: string }>(() => {});
      const late = await errand.enqueue(j, { n: 'late' }, { delayMs: 300 });
      const now = await errand.enqueue(j, { n: 'now' });
      expect(now.id).toBeGreaterThan(late.id);
      await new Promise((r) => setTimeout(r, 400));
      const claimed = await driverOf(errand).claimJobs(j.queue!, 2, 'w-order', 10_000);
      expect(claimed.map((c) => c.id)).toEqual([now.id, late.id]);
      await driverOf(errand).completeJobs(claimed.map((c) => c.id), 'w-order');
    });

    it('lists running jobs newest first, keyset-paged', async () => {
      const j = job<null>(() => {});
      const [a, b, c] = await errand.enqueueMany([j.with(null), j.with(null), j.with(null)]);
      expect(await driverOf(errand).claimJobs(j.queue!, 3, 'w-list', 60_000)).toHaveLength(3);
      const p1 = await errand.admin.listJobs({ state: 'running', name: j.name, limit: 2 });
      expect(p1.jobs.map((x) => x.id)).toEqual([c.id, b.id]);
      expect(p1.jobs[0]).toMatchObject({ state: 'running', lockedBy: 'w-list' });
      const p2 = await errand.admin.listJobs({ state: 'running', name: j.name, limit: 2, cursor: p1.next });
      expect(p2.jobs.map((x) => x.id)).toEqual([a.id]);
      await driverOf(errand).completeJobs([a.id, b.id, c.id], 'w-list');
    });

    it('retries with backoff and keeps each failed attempt with its message and stack', async () => {
      let calls = 0;
      const j = job<null>(
        () => {
          calls++;
          if (calls < 3) throw new Error(`boom ${calls}`);
        },
        { backoff: () => 30, maxAttempts: 5 },
      );
      const enq = await errand.enqueue(j, null);
      const w = errand.worker({ queues: { [j.queue!]: 1 }, pollMs: 20 });
      const retries: number[] = [];
      const off = errand.on('job:retry', (e) => e.job.id === enq.id && retries.push(e.retryInMs));
      const done = waitForEvent(errand, 'job:success', (e) => e.job.id === enq.id);
      await w.start();
      await done;
      await w.stop();
      off();
      expect(retries).toEqual([30, 30]);
      const rec = await errand.admin.getJob(enq.id);
      expect(rec?.state).toBe('completed');
      expect(rec?.attempt).toBe(3);
      expect(rec?.errors.map((e) => e.message)).toEqual(['boom 1', 'boom 2']);
      expect(rec?.errors[0].stack).toContain('boom 1');
      expect(rec?.errors[0].attempt).toBe(1);
    });

    it('moves a job to dead when attempts are exhausted', async () => {
      const j = job<null>(
        () => {
          throw new Error('always');
        },
        { backoff: () => 0, maxAttempts: 2 },
      );
      const enq = await errand.enqueue(j, null);
      await errand.drain({ queue: j.queue });
      await errand.drain({ queue: j.queue });
      const rec = await errand.admin.getJob(enq.id);
      expect(rec).toMatchObject({ state: 'dead', attempt: 2 });
      expect(rec?.errors).toHaveLength(2);
    });

    it('sends a PermanentError straight to dead with its reason', async () => {
      const j = job<null>(() => {
        throw new PermanentError('card will never work');
      });
      const enq = await errand.enqueue(j, null);
      const [r] = await errand.drain({ queue: j.queue });
      expect(r).toMatchObject({ id: enq.id, outcome: 'dead', error: 'card will never work' });
      const rec = await errand.admin.getJob(enq.id);
      expect(rec).toMatchObject({ state: 'dead', attempt: 1 });
      expect(rec?.errors[0]).toMatchObject({ kind: 'permanent', message: 'card will never work' });
    });

    it('returns the unfinished job for a repeated unique key, and allows a new one after it finished', async () => {
      const j = job<{ v: number }>(() => {});
      const a = await errand.enqueue(j, { v: 1 }, { uniqueKey: `k-${j.name}` });
      const b = await errand.enqueue(j, { v: 2 }, { uniqueKey: `k-${j.name}` });
      expect(a.inserted).toBe(true);
      expect(b).toMatchObject({ id: a.id, inserted: false });
      const bulk = await errand.enqueueMany([j.with({ v: 3 }, { uniqueKey: `k-${j.name}` }), j.with({ v: 4 }), j.with({ v: 5 }, { uniqueKey: `k2-${j.name}` })]);
      expect(bulk.map((x) => x.inserted)).toEqual([false, true, true]);
      expect(bulk[0].id).toBe(a.id);
      await errand.drain({ queue: j.queue });
      const c = await errand.enqueue(j, { v: 6 }, { uniqueKey: `k-${j.name}` });
      expect(c.inserted).toBe(true);
      expect(c.id).not.toBe(a.id);
    });

    it('retries a finished job only while no other unfinished job holds its unique key (the holder stands for it, as at enqueue)', async () => {
      const j = job<{ v: number }>(() => {});
      const key = `r-${j.name}`;
      const a = await errand.enqueue(j, { v: 1 }, { uniqueKey: key });
      await errand.drain({ queue: j.queue });
      await errand.admin.pauseQueue(j.queue!);
      const holder = await errand.enqueue(j, { v: 2 }, { uniqueKey: key });
      expect(holder.inserted).toBe(true);
      expect(await errand.admin.retry([a.id])).toEqual([]);
      expect(await errand.admin.bulk('retry', { state: 'completed', queue: j.queue! })).toEqual([]);
      expect((await errand.admin.getJob(a.id))?.state).toBe('completed');
      await errand.admin.resumeQueue(j.queue!);
      await errand.drain({ queue: j.queue });
      expect(await errand.admin.retry([a.id])).toEqual([a.id]);
      expect((await errand.admin.getJob(a.id))?.state).toBe('available');
      expect((await errand.enqueue(j, { v: 3 }, { uniqueKey: key })).id).toBe(a.id); // it holds the key again
      await errand.drain({ queue: j.queue });
    });

    it('round-trips top-level strings, numbers and nested unicode exactly', async () => {
      const j = job<unknown>(() => {});
      for (const payload of ['', '123', 'plain', 0, -1.5, true, null, [], { emoji: '💳', 'ключ': ['ü', { z: null }] }]) {
        const enq = await errand.enqueue(j, payload);
        expect((await errand.admin.getJob(enq.id))?.payload).toStrictEqual(payload);
      }
      const seen: unknown[] = [];
      const k = job<unknown>((p) => {
        seen.push(p);
      });
      await errand.enqueueMany([k.with('123'), k.with('')]);
      await errand.drain({ queue: k.queue });
      expect(seen).toStrictEqual(['123', '']);
    });

    it('enqueues many in one call, in input order', async () => {
      const j = job<{ i: number }>(() => {});
      const res = await errand.enqueueMany(Array.from({ length: 1000 }, (_, i) => j.with({ i })));
      expect(res).toHaveLength(1000);
      expect(res.every((r, i) => i === 0 || r.id > res[i - 1].id)).toBe(true);
      const page = await errand.admin.listJobs({ state: 'available', name: j.name, limit: 3 });
      expect(page.jobs.map((x) => x.payload)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
      expect(page.next).not.toBeNull();
      const page2 = await errand.admin.listJobs({ state: 'available', name: j.name, limit: 3, cursor: page.next });
      expect(page2.jobs.map((x) => x.payload)).toEqual([{ i: 3 }, { i: 4 }, { i: 5 }]);
      await errand.admin.bulk('delete', { state: 'available', name: j.name });
    });

    it('stops a filtered page after a bounded walk and continues from there (no scan of the whole backlog)', async () => {
      const j = job<{ k: string }>(() => {});
      const q = j.queue!;
      await errand.admin.pauseQueue(q);
      const base = Date.now() + 3600_000;
      await errand.enqueueMany(Array.from({ length: 20_010 }, (_, i) => j.with({ k: 'hay' }, { runAt: new Date(base + i) })));
      await errand.enqueueMany(Array.from({ length: 5 }, (_, i) => j.with({ k: 'needle' }, { runAt: new Date(base + 30_000 + i) })));
      const first = await errand.admin.listJobs({ state: 'scheduled', queue: q, search: 'needle', limit: 50 });
      expect(first.jobs).toEqual([]);
      expect(first.next).not.toBeNull();
      const second = await errand.admin.listJobs({ state: 'scheduled', queue: q, search: 'needle', limit: 50, cursor: first.next });
      expect(second.jobs.map((x) => x.payload)).toEqual(Array(5).fill({ k: 'needle' }));
      expect(second.next).toBeNull();
      const counts = (await errand.admin.queues(1000)).find((x) => x.queue === q);
      expect(counts).toMatchObject({ scheduled: 1000, paused: true });
      for (;;) if ((await errand.admin.bulk('delete', { state: 'scheduled', queue: q })).length === 0) break;
    }, 60_000);

    it('counts running jobs per queue, also in a queue that has only running jobs (they are not in the waiting-jobs index)', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let started = 0;
      const slow = job<{ n: number }>(async () => {
        started++;
        await gate;
      });
      const other = job<{ n: number }>(() => {});
      await errand.enqueueMany([slow.with({ n: 1 }), slow.with({ n: 2 })]);
      await errand.enqueue(other, { n: 3 });
      const w = errand.worker({ queues: { [slow.queue!]: 2 } });
      try {
        await w.start();
        await eventually(() => started === 2);
        const queues = await errand.admin.queues();
        expect(queues.find((q) => q.queue === slow.queue)).toMatchObject({ running: 2, available: 0 });
        expect(queues.find((q) => q.queue === other.queue)).toMatchObject({ running: 0, available: 1 });
        expect(queues.map((q) => q.queue)).toEqual([...queues.map((q) => q.queue)].sort());
        release();
        await w.stop();
        expect((await errand.admin.queues()).find((q) => q.queue === slow.queue)?.running ?? 0).toBe(0);
      } finally {
        release();
        await w.stop();
        await errand.admin.bulk('delete', { state: 'available', queue: other.queue! });
      }
    });

    it('enqueues inside the caller’s transaction: rolled back → no job, committed → job', async () => {
      const j = job<{ t: string }>(() => {});
      const driver = driverOf(errand);
      if (!driver.capabilities.transactional) {
        // Redis: `{ tx }` fails loudly, naming what to use instead, and enqueues nothing (never
        // a job written outside the caller's transaction).
        const err = await errand.enqueue(j, { t: 'x' }, { tx: {} as any }).catch((e) => e);
        expect(err).toBeInstanceOf(ErrandError);
        expect(err.code).toBe('ERRAND_NOT_SUPPORTED');
        expect(err.message).toContain('cannot enqueue inside your transaction');
        expect(driver.transactionalHint).toBeTruthy();
        expect(err.message).toContain(driver.transactionalHint);
        await expect(errand.enqueueMany([j.with({ t: 'y' })], { tx: {} as any })).rejects.toMatchObject({ code: 'ERRAND_NOT_SUPPORTED' });
        await refuteEnqueued(errand, j);
        return;
      }
      if (driverOf(errand).dialect === 'sqlite') {
        const db = (driverOf(errand) as SqliteDriver).db;
        db.exec('CREATE TABLE IF NOT EXISTS tx_sales (id INTEGER PRIMARY KEY, note TEXT)');
        expect(() =>
          db.transaction(() => {
            db.prepare('INSERT INTO tx_sales (note) VALUES (?)').run('rolled back');
            errand.enqueueSync(j, { t: 'rolled back' }, { tx: db });
            throw new Error('abort the transaction');
          })(),
        ).toThrow('abort the transaction');
        // A bad payload throws synchronously inside the transaction, so it rolls back too.
        expect(() =>
          db.transaction(() => {
            db.prepare('INSERT INTO tx_sales (note) VALUES (?)').run('bad payload');
            errand.enqueueSync(j, { t: () => 1 } as any, { tx: db });
          })(),
        ).toThrow(/payload\.t is a function/);
        db.transaction(() => {
          db.prepare('INSERT INTO tx_sales (note) VALUES (?)').run('committed');
          errand.enqueueSync(j, { t: 'committed' }, { tx: db });
        })();
        expect(db.prepare('SELECT note FROM tx_sales').all()).toEqual([{ note: 'committed' }]);
      } else {
        const pool = (driverOf(errand) as PostgresDriver).pool;
        await pool.query({ text: 'CREATE TABLE IF NOT EXISTS tx_sales (id serial PRIMARY KEY, note text)' });
        for (const outcome of ['ROLLBACK', 'COMMIT']) {
          const c = await pool.connect();
          await c.query({ text: 'BEGIN' });
          await c.query({ text: 'INSERT INTO tx_sales (note) VALUES ($1)', values: [outcome] });
          await errand.enqueue(j, { t: outcome }, { tx: c });
          await c.query({ text: outcome });
          c.release();
        }
        expect((await pool.query({ text: 'SELECT note FROM tx_sales' })).rows).toEqual([{ note: 'COMMIT' }]);
        // @ts-expect-error a Pool is not the connection of a transaction (a compile error, and at run time:)
        await expect(errand.enqueue(j, { t: 'x' }, { tx: pool })).rejects.toThrow(/not the Pool/);
      }
      const found = await assertEnqueued(errand, j, { t: 'committed' in {} ? '' : driverOf(errand).dialect === 'sqlite' ? 'committed' : 'COMMIT' });
      expect(found.name).toBe(j.name);
      await refuteEnqueued(errand, j, { t: driverOf(errand).dialect === 'sqlite' ? 'rolled back' : 'ROLLBACK' });
    });

    it('aborts the signal at the timeout and fails the attempt with a timeout error', async () => {
      let aborted = false;
      const j = job<null>(
        (_p, ctx) =>
          new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => {
              aborted = true;
              reject(ctx.signal.reason);
            }),
          ),
        { timeoutMs: 50, maxAttempts: 1 },
      );
      const enq = await errand.enqueue(j, null);
      const [r] = await errand.drain({ queue: j.queue });
      expect(r).toMatchObject({ id: enq.id, outcome: 'dead' });
      expect(r.error).toMatch(/timed out after 50 ms/);
      expect(aborted).toBe(true);
      const rec = await errand.admin.getJob(enq.id);
      expect(rec?.errors[0].kind).toBe('timeout');
    });

    it('frees the slot at the timeout even when the handler ignores the signal', async () => {
      const j = job<null>(() => new Promise(() => {}), { timeoutMs: 30, maxAttempts: 1 });
      await errand.enqueue(j, null);
      const [r] = await errand.drain({ queue: j.queue });
      expect(r.outcome).toBe('dead');
    });

    it('retries a job whose name no handler knows, without crashing the worker', async () => {
      const ghost = defineJob<null>({ name: uniq('ghost'), queue: uniq('q'), handler: () => {}, backoff: () => 10_000 });
      const enq = await errand.enqueue(ghost, null);
      const w = errand.worker({ queues: { [ghost.queue!]: 1 } });
      const failed = waitForEvent(errand, 'job:retry', (e) => e.job.id === enq.id);
      await w.start();
      const e = await failed;
      expect(e.error.message).toBe(`no handler registered for ${ghost.name}`);
      expect(w.isRunning).toBe(true);
      await w.stop();
      const rec = await errand.admin.getJob(enq.id);
      expect(rec).toMatchObject({ state: 'retryable' });
      expect(rec?.errors[0]).toMatchObject({ kind: 'unknown_job', message: `no handler registered for ${ghost.name}` });
    });

    it('refuses payloads JSON cannot carry, naming the field, and inserts nothing', async () => {
      const j = job<any>(() => {});
      const cyclic: any = { a: 1 };
      cyclic.self = cyclic;
      const cases: [unknown, RegExp][] = [
        [undefined, /payload is undefined/],
        [{ f: () => 1 }, /payload\.f is a function/],
        [{ n: 10n }, /payload\.n is a BigInt/],
        [cyclic, /payload\.self is a cycle/],
        [{ deep: { list: [1, undefined] } }, /payload\.deep\.list\[1\] is undefined/],
        [{ u: undefined }, /payload\.u is undefined/],
        [{ d: new Date() }, /payload\.d is a Date/],
        [{ m: new Map() }, /payload\.m is a Map object/],
        [{ x: Number.NaN }, /payload\.x is NaN/],
        [{ s: Symbol('s') }, /payload\.s is a symbol/],
        [{ t: 'a\u0000b' }, /payload\.t contains a NUL character/],
        [{ 'k\u0000': 1 }, /payload key "k\\u0000" contains a NUL character/],
        [{ t: '\uD800' }, /payload\.t contains a lone UTF-16 surrogate/],
      ];
      for (const [payload, msg] of cases) {
        const err = await errand.enqueue(j, payload).catch((e) => e);
        expect(err).toBeInstanceOf(ErrandError);
        expect(err.code).toBe('ERRAND_BAD_PAYLOAD');
        expect(err.message).toMatch(msg);
      }
      await expect(errand.enqueueMany([j.with({ ok: 1 }), j.with({ bad: 1n })])).rejects.toThrow(/jobs\[1\]\.payload\.bad is a BigInt/);
      await refuteEnqueued(errand, j);
    });

    it('refuses bad options with a message naming the option', async () => {
      const j = job<null>(() => {});
      await expect(errand.enqueue(j, null, { maxAttempts: 0 })).rejects.toThrow(/maxAttempts must be a whole number from 1/);
      await expect(errand.enqueue(j, null, { timeoutMs: 2 ** 31 })).rejects.toThrow(/timeoutMs must be a whole number of milliseconds from 1 to 2147483647/);
      await expect(errand.enqueue(j, null, { delayMs: -5 })).rejects.toThrow(/delayMs must be a whole number/);
      await expect(errand.enqueue(j, null, { runAt: new Date(-8.64e15) })).rejects.toThrow(/runAt must be between the years 1970 and 9999/);
      await expect(errand.enqueue(j, null, { uniqueKey: 'k\u0000' })).rejects.toThrow(/uniqueKey contains a NUL character/);
      await expect(errand.enqueue(j, null, { uniqueKey: 'k\uD800' })).rejects.toThrow(/uniqueKey contains a lone UTF-16 surrogate/);
      await expect(errand.enqueue(j, null, { queue: 'no spaces' })).rejects.toThrow(/queue/);
      await expect(errand.enqueue(j, null, { runAt: new Date('nope') })).rejects.toThrow(/runAt must be a valid Date/);
      await expect(errand.enqueue(j, null, { priority: 1.5 })).rejects.toThrow(/priority must be a whole number/);
      await refuteEnqueued(errand, j);
    });

    it('rescues the job of a worker that stopped renewing its lease', async () => {
      const ran: number[] = [];
      const j = job<null>((_p, ctx) => {
        ran.push(ctx.attempt);
      });
      const enq = await errand.enqueue(j, null);
      // A "worker" claims the job and dies: nobody renews its 200 ms lease.
      const [claimed] = await driverOf(errand).claimJobs(j.queue!, 1, 'ghost-worker', 200);
      expect(claimed.id).toBe(enq.id);
      const w = errand.worker({ queues: { [j.queue!]: 1 }, leaseMs: 4000, pollMs: 50 });
      const rescued = waitForEvent(errand, 'job:rescued', (e) => e.jobs.some((x) => x.id === enq.id));
      const done = waitForEvent(errand, 'job:success', (e) => e.job.id === enq.id);
      await w.start();
      await rescued;
      await done;
      await w.stop();
      expect(ran).toEqual([2]);
      const rec = await errand.admin.getJob(enq.id);
      expect(rec?.errors[0]).toMatchObject({ kind: 'lease_expired', attempt: 1 });
      expect(rec?.errors[0].message).toContain('ghost-worker');
    });

    it('runs a final attempt cut short by a crash once more, and makes it dead if that is cut short too', async () => {
      const seen: [number, number][] = [];
      const j = job<null>((_p, ctx) => {
        seen.push([ctx.attempt, ctx.maxAttempts]);
      }, { maxAttempts: 1 });
      const enq = await errand.enqueue(j, null);
      await driverOf(errand).claimJobs(j.queue!, 1, 'ghost-1', 1);
      await new Promise((r) => setTimeout(r, 5));
      expect((await driverOf(errand).rescueExpired()).find((r) => r.id === enq.id)?.state).toBe('available');
      await driverOf(errand).claimJobs(j.queue!, 1, 'ghost-2', 1);
      await new Promise((r) => setTimeout(r, 5));
      expect((await driverOf(errand).rescueExpired()).find((r) => r.id === enq.id)?.state).toBe('dead');
      const rec = await errand.admin.getJob(enq.id);
      expect(rec).toMatchObject({ state: 'dead', attempt: 2 });
      expect(rec?.errors.map((e) => e.kind)).toEqual(['lease_expired', 'lease_expired']);
      // With one crash only, the handler gets its last attempt (attempt > maxAttempts tells it so).
      const k = job<null>((_p, ctx) => {
        seen.push([ctx.attempt, ctx.maxAttempts]);
      }, { maxAttempts: 1 });
      const e2 = await errand.enqueue(k, null);
      await driverOf(errand).claimJobs(k.queue!, 1, 'ghost-3', 1);
      await new Promise((r) => setTimeout(r, 5));
      await driverOf(errand).rescueExpired();
      await errand.drain({ queue: k.queue });
      expect(seen).toEqual([[2, 1]]);
      expect((await errand.admin.getJob(e2.id))?.state).toBe('completed');
    });

    it('stops gracefully: running jobs finish, jobs still running at the deadline are released uncounted', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let finishQuick!: () => void;
      const quickGate = new Promise<void>((r) => (finishQuick = r));
      const finished: number[] = [];
      const quick = job<{ i: number }>(async (p) => {
        await quickGate;
        finished.push(p.i);
      });
      const stuck = job<null>(() => gate);
      const a = await errand.enqueue(quick, { i: 1 });
      const b = await errand.enqueue(stuck, null);
      // The deadline is generous so that a loaded machine cannot make the quick job miss it.
      const w = errand.worker({ queues: { [quick.queue!]: 1, [stuck.queue!]: 1 }, shutdownTimeoutMs: 1500 });
      const started = Promise.all([
        waitForEvent(errand, 'job:start', (e) => e.job.id === a.id),
        waitForEvent(errand, 'job:start', (e) => e.job.id === b.id),
      ]);
      await w.start();
      await started;
      const stopped = waitForEvent(errand, 'worker:stop', (e) => e.workerId === w.id);
      const stopping = w.stop();
      finishQuick(); // finishes after the stop began, well before the deadline
      await stopping;
      const ev = await stopped;
      release();
      expect(finished).toEqual([1]);
      expect((await errand.admin.getJob(a.id))?.state).toBe('completed');
      const rb = await errand.admin.getJob(b.id);
      expect(rb).toMatchObject({ state: 'available', attempt: 0, lockedBy: w.id });
      expect(rb?.errors[0]).toMatchObject({ kind: 'shutdown' });
      expect(ev.released).toBe(1);
      await errand.admin.delete([b.id]);
    });

    it('does not claim from a paused queue until it is resumed', async () => {
      const j = job<null>(() => {});
      await errand.admin.pauseQueue(j.queue!);
      const enq = await errand.enqueue(j, null);
      expect(await driverOf(errand).claimJobs(j.queue!, 10, 'w', 1000)).toEqual([]);
      expect((await errand.admin.queues()).find((q) => q.queue === j.queue)).toMatchObject({ paused: true, available: 1 });
      await errand.admin.resumeQueue(j.queue!);
      const w = errand.worker({ queues: { [j.queue!]: 1 }, pollMs: 50 });
      const done = waitForEvent(errand, 'job:success', (e) => e.job.id === enq.id);
      await w.start();
      await done;
      await w.stop();
    });

    it('runs Delayed Job style calls on registered classes', async () => {
      Banana.calls = [];
      const enq = await errand.delay(new Banana('medium')).split(3);
      expect(enq.name).toBe('errand.delay');
      expect(() => errand.delay(new Map() as object)).toThrow(/Map is not delayable/);
      await errand.drain({ queue: enq.queue });
      expect(Banana.calls).toEqual(['medium/3']);
    });

    it('retries, discards and deletes through the admin API, one by one and in bulk', async () => {
      const j = job<{ s: string }>(
        () => {
          throw new Error('nope');
        },
        { maxAttempts: 1 },
      );
      const [x, y, z] = await errand.enqueueMany([j.with({ s: 'x' }), j.with({ s: 'y' }), j.with({ s: 'needle z' })]);
      await errand.drain({ queue: j.queue });
      const dead = await errand.admin.listJobs({ state: 'dead', name: j.name, limit: 10 });
      expect(dead.jobs.map((r) => r.id)).toEqual([z.id, y.id, x.id]);
      expect(dead.jobs[0].errors.at(-1)?.message).toBe('nope');
      const search = await errand.admin.listJobs({ state: 'dead', name: j.name, search: 'NEEDLE', limit: 10 });
      expect(search.jobs.map((r) => r.id)).toEqual([z.id]);
      expect(await errand.admin.retry([x.id])).toEqual([x.id]);
      expect((await errand.admin.getJob(x.id))).toMatchObject({ state: 'available', maxAttempts: 2 });
      expect(await errand.admin.discard([x.id], 'gave up')).toEqual([x.id]);
      expect((await errand.admin.getJob(x.id))?.errors.at(-1)).toMatchObject({ kind: 'discarded', message: 'gave up' });
      expect((await errand.admin.bulk('retry', { state: 'dead', name: j.name, search: 'needle' })).sort()).toEqual([z.id]);
      expect((await errand.admin.bulk('delete', { state: 'dead', name: j.name })).sort((m, n) => m - n)).toEqual([x.id, y.id]);
      expect(await errand.admin.getJob(y.id)).toBeNull();
      const counts = await errand.admin.stateCounts();
      expect(counts.available).toBeGreaterThanOrEqual(1);
    });

    it('cancels waiting jobs: never claimed, unique key released, finished jobs left alone, retry brings one back', async () => {
      const j = job<{ n: number }>(() => {});
      const [now, later, keyed] = await errand.enqueueMany([j.with({ n: 1 }), j.with({ n: 2 }, { delayMs: 60_000 }), j.with({ n: 3 }, { uniqueKey: uniq('k') })]);
      const done = await errand.enqueue(j, { n: 4 });
      await errand.drain({ queue: j.queue, limit: 0 });
      const [ran] = await driverOf(errand).claimJobs(j.queue!, 1, 'w', 1000);
      expect(ran.id).toBe(now.id);
      await driverOf(errand).completeJobs([ran.id], 'w');
      const events: number[][] = [];
      const off = errand.on('job:cancelled', (e) => events.push(e.jobs.map((x) => x.id)));
      const changed = await errand.admin.cancelJobs([now.id, later.id, keyed.id, done.id, 999_999_999]);
      off();
      expect(changed.sort((a, b) => a - b)).toEqual([later.id, keyed.id, done.id]);
      expect(events).toEqual([changed]);
      expect(await errand.admin.getJob(now.id)).toMatchObject({ state: 'completed' });
      const rec = await errand.admin.getJob(later.id);
      expect(rec).toMatchObject({ state: 'cancelled' });
      expect(rec?.finishedAt).toBeInstanceOf(Date);
      expect(rec?.errors.at(-1)).toMatchObject({ kind: 'cancelled', message: 'cancelled from the console' });
      expect(await driverOf(errand).claimJobs(j.queue!, 10, 'w', 1000)).toEqual([]);
      const again = await errand.enqueue(j, { n: 3 }, { uniqueKey: keyed.uniqueKey! });
      expect(again).toMatchObject({ inserted: true });
      expect((await errand.admin.stateCounts()).cancelled).toBeGreaterThanOrEqual(3);
      expect((await errand.admin.listJobs({ state: 'cancelled', name: j.name, limit: 10 })).jobs.map((r) => r.id)).toEqual([done.id, keyed.id, later.id]);
      expect(await errand.admin.retry([later.id])).toEqual([later.id]);
      expect(await errand.admin.getJob(later.id)).toMatchObject({ state: 'available' });
      expect(await errand.admin.bulk('cancel', { state: 'available', name: j.name })).toHaveLength(2);
    });

    it('cancels a running job: its signal aborts within a heartbeat, it ends cancelled and is never retried', async () => {
      let started!: () => void;
      const running = new Promise<void>((r) => (started = r));
      const reasons: unknown[] = [];
      const j = job<null>(async (_p, ctx) => {
        started();
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        reasons.push(ctx.signal.reason);
        throw ctx.signal.reason;
      });
      const enq = await errand.enqueue(j, null);
      const w = errand.worker({ queues: { [j.queue!]: 1 }, leaseMs: 600, pollMs: 50 });
      const aborted = waitForEvent(errand, 'job:aborted', (e) => e.job.id === enq.id);
      let failures = 0;
      const off = errand.on('job:failure', (e) => {
        if (e.job.id === enq.id) failures++;
      });
      await w.start();
      await running;
      const t0 = Date.now();
      expect(await errand.admin.cancelJobs([enq.id], 'stop it')).toEqual([enq.id]);
      const e = await aborted;
      expect(Date.now() - t0).toBeLessThan(600);
      expect(e.reason.code).toBe('ERRAND_CANCELLED');
      await w.stop();
      off();
      expect(failures).toBe(0);
      expect((reasons[0] as ErrandError).code).toBe('ERRAND_CANCELLED');
      const rec = await errand.admin.getJob(enq.id);
      expect(rec).toMatchObject({ state: 'cancelled', attempt: 1 });
      expect(rec?.errors.map((x) => x.kind)).toEqual(['cancelled']);
    });

    it('stores a handler’s JSON result with the completed job; getJob and waitForJob return it', async () => {
      const j = job<{ n: number }>((p) => (p.n === 0 ? undefined : { doubled: p.n * 2, text: 'é✓', list: [1, null] }));
      const [a, b] = await errand.enqueueMany([j.with({ n: 21 }), j.with({ n: 0 })]);
      const waiting = errand.waitForJob(a.id, { timeoutMs: 5000 });
      const w = errand.worker({ queues: { [j.queue!]: 2 }, pollMs: 50 });
      await w.start();
      const rec = await waiting;
      expect(rec).toMatchObject({ state: 'completed', result: { doubled: 42, text: 'é✓', list: [1, null] } });
      expect(await errand.waitForJob(b.id, { timeoutMs: 5000 })).toMatchObject({ state: 'completed', result: null });
      await w.stop();
      expect((await errand.getJob(a.id))?.result).toEqual({ doubled: 42, text: 'é✓', list: [1, null] });
      // A top-level string result round-trips too (drain's completion path).
      const s1 = job<null>(() => 'plain "text"');
      const e = await errand.enqueue(s1, null);
      await errand.drain({ queue: s1.queue });
      expect((await errand.getJob(e.id))?.result).toBe('plain "text"');
    });

    it('fails a job whose result is too large or not JSON, dead with a clear error', async () => {
      const small = await createErrand({ databaseUrl: url, logger, maxResultBytes: 100 });
      try {
        const big = defineJob<null>({ name: uniq('big'), queue: uniq('q'), handler: () => ({ s: 'x'.repeat(200) }) });
        const odd = defineJob<null>({ name: uniq('odd'), queue: big.queue, handler: () => ({ at: new Date(0) }) });
        small.register(big).register(odd);
        const [x, y] = await small.enqueueMany([big.with(null), odd.with(null)]);
        const ran = await small.drain({ queue: big.queue });
        expect(ran.map((r) => r.outcome)).toEqual(['dead', 'dead']);
        const bx = await small.getJob(x.id);
        expect(bx).toMatchObject({ state: 'dead', result: null, attempt: 1 });
        expect(bx?.errors[0]).toMatchObject({ kind: 'bad_result' });
        expect(bx?.errors[0].message).toMatch(/result of 208 bytes of JSON, past the limit of 100 \(maxResultBytes\)/);
        expect((await small.getJob(y.id))?.errors[0].message).toMatch(/result\.at is a Date/);
      } finally {
        await small.close();
      }
    });

    it('waitForJob times out, honours its signal, and refuses an unknown id', async () => {
      const j = job<null>(() => {});
      const enq = await errand.enqueue(j, null, { delayMs: 60_000 });
      await expect(errand.waitForJob(enq.id, { timeoutMs: 80 })).rejects.toMatchObject({ code: 'ERRAND_WAIT_TIMEOUT' });
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error('gave up')), 50);
      await expect(errand.waitForJob(enq.id, { signal: ac.signal })).rejects.toThrow('gave up');
      await expect(errand.waitForJob(999_999_999)).rejects.toMatchObject({ code: 'ERRAND_NOT_FOUND' });
      await errand.admin.cancelJobs([enq.id]);
      expect(await errand.waitForJob(enq.id)).toMatchObject({ state: 'cancelled' });
    });

    it('stores progress throttled while a job runs, keeps the last value, and refuses a bad one', async () => {
      const p = await createErrand({ databaseUrl: url, logger, progressThrottleMs: 200 });
      try {
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const writes: number[] = [];
        const driver = driverOf(p);
        const setProgress = driver.setProgress.bind(driver);
        driver.setProgress = (id, w, json) => {
          writes.push(Number(json));
          return setProgress(id, w, json);
        };
        const errors: string[] = [];
        const j = defineJob<null>({
          name: uniq('prog'),
          queue: uniq('q'),
          handler: async (_x, ctx) => {
            for (let i = 1; i <= 100; i++) ctx.progress(i); // chatty: one write now, one trailing
            try {
              ctx.progress({ big: 'x'.repeat(5000) });
            } catch (err) {
              errors.push((err as ErrandError).code);
            }
            await gate;
            ctx.progress({ step: 'last', done: 3 });
            return 'ok';
          },
        });
        p.register(j);
        const enq = await p.enqueue(j, null);
        const w = p.worker({ queues: { [j.queue!]: 1 }, pollMs: 50 });
        await w.start();
        await eventually(async () => (await p.getJob(enq.id))?.progress === 100, 3000, 'progress 100 stored');
        expect(writes).toEqual([1, 100]);
        expect(errors).toEqual(['ERRAND_BAD_PROGRESS']);
        release();
        const rec = await p.waitForJob(enq.id, { timeoutMs: 5000 });
        await w.stop();
        expect(rec).toMatchObject({ state: 'completed', result: 'ok', progress: { step: 'last', done: 3 } });
      } finally {
        await p.close();
      }
    });

    it('makes one job per tick of a 1-second schedule with two workers, each with its tick as runAt', async () => {
      const ran: number[] = [];
      const j = job<{ hello: string }>((_p, ctx) => {
        ran.push(ctx.id);
      });
      const name = uniq('every-second');
      const sc = await createErrand({ databaseUrl: target.name === 'memory' ? 'memory:' : url, logger, schedules: [{ name, cron: '* * * * * *', job: j, payload: { hello: 'tick' } }] });
      try {
        const made: number[] = [];
        sc.on('schedule:enqueued', (e) => made.push(...e.jobs.map((x) => x.id)));
        const w1 = sc.worker({ queues: { [j.queue!]: 2 }, pollMs: 50 });
        const w2 = sc.worker({ queues: { [j.queue!]: 2 }, pollMs: 50 });
        await Promise.all([w1.start(), w2.start()]);
        await eventually(async () => made.length >= 3, 6000, 'three ticks made');
        await Promise.all([w1.stop(), w2.stop()]);
        const jobs = await sc.admin.scheduleJobs(name, 100);
        const ticks = jobs.map((x) => x.runAt.getTime()).sort((a, b) => a - b);
        expect(new Set(ticks).size).toBe(ticks.length);
        for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1]).toBe(1000);
        expect(ticks.every((t) => t % 1000 === 0)).toBe(true);
        expect(jobs[0]).toMatchObject({ name: j.name, queue: j.queue, payload: { hello: 'tick' } });
        const [info] = (await sc.admin.schedules()).filter((x) => x.name === name);
        expect(info).toMatchObject({ cron: '* * * * * *', jobName: j.name, queue: j.queue, paused: false, catchUp: 'once', jobsMade: jobs.length });
        expect(info.lastRunAt?.getTime()).toBe(ticks.at(-1));
        expect(info.nextRunAt!.getTime()).toBeGreaterThan(Date.now() - 1000);
      } finally {
        await sc.close();
      }
    });

    it('inserts a tick once however often it is planned, and a paused schedule makes nothing until resumed', async () => {
      const j = job<null>(() => {});
      const def = defineSchedule({ name: uniq('daily'), cron: '0 9 * * *', job: j, payload: null, catchUp: { backfill: 2 } });
      const row = storedSchedule(def);
      const driver = driverOf(errand);
      await driver.registerSchedules([row]);
      // As if every process had been down for five days: the policy decides what is made.
      const plan = (_cursor: Date, now: Date) => planTicks(def.pattern, new Date(now.getTime() - 5 * 86_400_000), now, def.catchUp);
      const first = await driver.advanceSchedule(row, plan);
      expect(first).toHaveLength(2);
      expect(first![1].tick.getTime() - first![0].tick.getTime()).toBe(86_400_000);
      expect(await driver.advanceSchedule(row, plan)).toEqual([]); // same ticks again: the unique index says no
      const jobs = await errand.admin.scheduleJobs(def.name);
      expect(jobs.map((x) => x.runAt.getTime())).toEqual([first![1].tick.getTime(), first![0].tick.getTime()]);
      expect(jobs.every((x) => x.state === 'available')).toBe(true);
      expect(await errand.admin.pauseSchedule(def.name)).toBe(true);
      expect(await driver.advanceSchedule(row, plan)).toBeNull();
      expect((await errand.admin.schedules()).find((x) => x.name === def.name)).toMatchObject({ paused: true, nextRunAt: null, jobsMade: 2 });
      expect(await errand.admin.resumeSchedule(def.name)).toBe(true);
      const resumed = (await errand.admin.schedules()).find((x) => x.name === def.name)!;
      expect(resumed.paused).toBe(false);
      expect(resumed.lastTick.getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(await errand.admin.pauseSchedule('no-such-schedule')).toBe(false);
    });

    it('counts processed and failed per minute for the dashboard, and lists live workers', async () => {
      const ok = job<null>(() => {});
      const bad = job<null>(
        () => {
          throw new Error('x');
        },
        { maxAttempts: 1 },
      );
      const before = (await errand.admin.throughput(3600_000)).reduce((a, p) => ({ processed: a.processed + p.processed, failed: a.failed + p.failed }), { processed: 0, failed: 0 });
      await errand.enqueueMany([ok.with(null), ok.with(null), bad.with(null)]);
      const w = errand.worker({ queues: { [ok.queue!]: 2, [bad.queue!]: 1 } });
      const done = Promise.all([waitForEvent(errand, 'job:dead'), eventually(async () => (await errand.admin.queues()).find((q) => q.queue === ok.queue)?.available === 0)]);
      await w.start();
      await done;
      const workers = await errand.admin.workers();
      expect(workers.find((x) => x.id === w.id)).toMatchObject({ pid: process.pid, queues: { [ok.queue!]: 2, [bad.queue!]: 1 } });
      await w.stop();
      const after = (await errand.admin.throughput(3600_000)).reduce((a, p) => ({ processed: a.processed + p.processed, failed: a.failed + p.failed }), { processed: 0, failed: 0 });
      expect(after.processed - before.processed).toBe(2);
      expect(after.failed - before.failed).toBe(1);
      expect((await errand.admin.workers()).find((x) => x.id === w.id)).toBeUndefined();
    });

    describe('rate limits', () => {
      it('rate limit per queue: a claim takes at most the room of the window, held jobs keep their attempt, and the admin API shows how full it is', async () => {
        const j = job<{ n: number }>(() => {});
        const q = j.queue!;
        const d = driverOf(errand);
        // An hour's window: the test cannot straddle two of them in practice.
        await errand.admin.setRateLimit(q, { limit: 3, intervalMs: 3_600_000 });
        await errand.enqueueMany(Array.from({ length: 7 }, (_, n) => j.with({ n })));
        const first = await d.claimRateLimited(q, 10, 'rate-w', 60_000, 1000);
        expect(first.limited).toBe(true);
        expect(first.jobs.map((x) => (x.payload as { n: number }).n)).toEqual([0, 1, 2]); // claim order
        expect(first.held).toBe('queue');
        expect(first.windowLeftMs).toBeGreaterThan(0);
        expect(first.windowLeftMs).toBeLessThanOrEqual(3_600_000);
        const second = await d.claimRateLimited(q, 10, 'rate-w', 60_000, 1000);
        expect(second.jobs).toEqual([]);
        expect(second.held).toBe('queue');
        // Held back without an attempt.
        const waiting = await errand.admin.listJobs({ state: 'available', queue: q, limit: 50 });
        expect(waiting.jobs.map((x) => x.attempt)).toEqual([0, 0, 0, 0]);
        const [info] = (await errand.admin.rateLimits()).filter((l) => l.queue === q);
        expect(info).toMatchObject({ queue: q, limit: 3, intervalMs: 3_600_000, perKey: false, used: 3, activeKeys: 0, topKeys: [] });
        expect(info.windowEnd.getTime() - info.windowStart.getTime()).toBe(3_600_000);
        expect(info.windowStart.getTime() % 3_600_000).toBe(0);
        // Raising the limit applies to the window under way (its count is kept); the last declaration wins.
        await errand.admin.setRateLimit(q, { limit: 5, intervalMs: 3_600_000 });
        expect((await d.claimRateLimited(q, 10, 'rate-w', 60_000, 1000)).jobs).toHaveLength(2);
        // Removed: the plain claim takes the rest, and the limit is gone from the admin API.
        expect(await errand.admin.removeRateLimit(q)).toBe(true);
        expect(await errand.admin.removeRateLimit(q)).toBe(false);
        const rest = await d.claimRateLimited(q, 10, 'rate-w', 60_000, 1000);
        expect(rest).toMatchObject({ limited: false, held: null });
        expect(rest.jobs).toHaveLength(2);
        expect((await errand.admin.rateLimits()).some((l) => l.queue === q)).toBe(false);
      });

      it('rate limit per key: each key has its own window, keyless jobs share one, the enqueue option overrides the definition', async () => {
        const j = job<{ customer?: string; n: number }>(() => {}, { rateLimitKey: (p: { customer?: string }) => p.customer } as any);
        const q = j.queue!;
        const d = driverOf(errand);
        await errand.admin.setRateLimit(q, { limit: 2, intervalMs: 3_600_000, perKey: true });
        await errand.enqueueMany([
          ...[1, 2, 3].map((n) => j.with({ customer: 'A', n })),
          ...[4, 5, 6].map((n) => j.with({ customer: 'B', n })),
          j.with({ n: 7 }),
          j.with({ customer: 'A', n: 8 }, { rateLimitKey: 'C' }),
        ]);
        const first = await d.claimRateLimited(q, 10, 'rate-w', 60_000, 1000);
        expect(first.jobs.map((x) => (x.payload as { n: number }).n)).toEqual([1, 2, 4, 5, 7, 8]);
        expect(first.held).toBe('keys');
        const again = await d.claimRateLimited(q, 10, 'rate-w', 60_000, 1000);
        expect(again.jobs).toEqual([]);
        expect(again.held).toBe('keys');
        // A new key has room at once, even though other keys are full.
        await errand.enqueue(j, { customer: 'D', n: 9 });
        expect((await d.claimRateLimited(q, 10, 'rate-w', 60_000, 1000)).jobs.map((x) => (x.payload as { n: number }).n)).toEqual([9]);
        const [info] = (await errand.admin.rateLimits()).filter((l) => l.queue === q);
        expect(info).toMatchObject({ perKey: true, limit: 2, used: 7, activeKeys: 5 });
        expect(info.topKeys.slice(0, 2)).toEqual([{ key: 'A', used: 2 }, { key: 'B', used: 2 }]);
        expect(info.topKeys).toContainEqual({ key: '', used: 1 });
        expect(info.topKeys).toContainEqual({ key: 'D', used: 1 });
        await expect(errand.enqueue(j, { n: 1 }, { rateLimitKey: '' })).rejects.toMatchObject({ code: 'ERRAND_BAD_OPTION', message: expect.stringContaining('rateLimitKey') });
        await errand.admin.removeRateLimit(q);
      });

      it('rate limit with a worker: at most N claims per window by the database clock, and the worker sleeps until the window ends', async () => {
        const j = job<{ n: number }>(() => {});
        const q = j.queue!;
        await errand.admin.setRateLimit(q, { limit: 4, intervalMs: 500 });
        const d = driverOf(errand);
        let limitedClaims = 0;
        const claim = d.claimRateLimited.bind(d);
        d.claimRateLimited = (...args) => {
          limitedClaims++;
          return claim(...args);
        };
        try {
          const enq = await errand.enqueueMany(Array.from({ length: 12 }, (_, n) => j.with({ n })));
          const startedAt = Date.now();
          const w = errand.worker({ queues: { [q]: 10 }, pollMs: 50 });
          await w.start();
          await eventually(async () => (await errand.admin.stateCounts()).completed >= 0 && (await errand.admin.listJobs({ state: 'completed', queue: q, limit: 50 })).jobs.length === 12, 10_000, '12 completed');
          const took = Date.now() - startedAt;
          await w.stop();
          const claimedAt = await Promise.all(enq.map(async (e) => (await errand.admin.getJob(e.id))!.attemptedAt!.getTime()));
          const perWindow = new Map<number, number>();
          for (const t of claimedAt) perWindow.set(Math.floor(t / 500), (perWindow.get(Math.floor(t / 500)) ?? 0) + 1);
          expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(4);
          expect(perWindow.size).toBeGreaterThanOrEqual(3);
          // Woken at each window's end, not by a poll that finds it full: 12 jobs in three or four
          // windows, and a handful of claims even though the worker polls every 50 ms.
          expect(took).toBeLessThan(2500);
          expect(limitedClaims).toBeLessThan(20);
        } finally {
          d.claimRateLimited = claim;
          await errand.admin.removeRateLimit(q);
        }
      });

      it('rate limit per key: a schedule’s jobs carry the key of their definition’s rateLimitKey', async () => {
        const j = job<{ customer: string }>(() => {}, { rateLimitKey: (p: { customer: string }) => p.customer } as any);
        const q = j.queue!;
        const d = driverOf(errand);
        await errand.admin.setRateLimit(q, { limit: 1, intervalMs: 3_600_000, perKey: true });
        const def = defineSchedule({ name: uniq('keyed'), cron: '0 9 * * *', job: j, payload: { customer: 'K' }, catchUp: { backfill: 2 } });
        const row = storedSchedule(def);
        expect(row.job.rateKey).toBe('K');
        await d.registerSchedules([row]);
        const plan = (_cursor: Date, now: Date) => planTicks(def.pattern, new Date(now.getTime() - 5 * 86_400_000), now, def.catchUp);
        expect(await d.advanceSchedule(row, plan)).toHaveLength(2);
        await errand.enqueue(j, { customer: 'other' });
        // Both ticks' jobs are of key K: one fits, the other waits; the other customer's job fits.
        const claim = await d.claimRateLimited(q, 10, 'rate-w', 60_000, 1000);
        expect(claim.jobs.map((x) => (x.payload as { customer: string }).customer).sort()).toEqual(['K', 'other']);
        expect(claim.held).toBe('keys');
        await errand.admin.removeRateLimit(q);
      });

      it('a queue without a rate limit never takes the limited claim', async () => {
        const j = job<{ n: number }>(() => {});
        const d = driverOf(errand);
        let limitedClaims = 0;
        const claim = d.claimRateLimited.bind(d);
        d.claimRateLimited = (...args) => {
          limitedClaims++;
          return claim(...args);
        };
        try {
          await errand.enqueueMany(Array.from({ length: 5 }, (_, n) => j.with({ n })));
          const w = errand.worker({ queues: { [j.queue!]: 2 } });
          await w.start();
          await eventually(async () => (await errand.admin.listJobs({ state: 'completed', queue: j.queue!, limit: 10 })).jobs.length === 5, 10_000, '5 completed');
          await w.stop();
          expect(limitedClaims).toBe(0);
        } finally {
          d.claimRateLimited = claim;
        }
      });

      it('refuses bad rate limits, naming the option', async () => {
        await expect(createErrand({ databaseUrl: 'memory:', logger, rateLimits: { q: { limit: 0, intervalMs: 1000 } } })).rejects.toMatchObject({ code: 'ERRAND_BAD_OPTION', message: expect.stringContaining('rateLimits.q.limit') });
        await expect(createErrand({ databaseUrl: 'memory:', logger, rateLimits: { q: { limit: 1, intervalMs: 1 } } })).rejects.toMatchObject({ code: 'ERRAND_BAD_OPTION', message: expect.stringContaining('rateLimits.q.intervalMs') });
        await expect(createErrand({ databaseUrl: 'memory:', logger, rateLimits: { 'bad queue': { limit: 1, intervalMs: 1000 } } })).rejects.toMatchObject({ code: 'ERRAND_BAD_OPTION' });
        await expect(errand.admin.setRateLimit('q', { limit: 1.5, intervalMs: 1000 })).rejects.toMatchObject({ code: 'ERRAND_BAD_OPTION' });
      });

      it('declares rate limits at connect; a later declaration of the same queue wins', async () => {
        const q = uniq('declared');
        const a = target.name === 'memory' ? errand : await createErrand({ databaseUrl: url, logger, rateLimits: { [q]: { limit: 10, intervalMs: 1000 } } });
        if (target.name === 'memory') await errand.admin.setRateLimit(q, { limit: 10, intervalMs: 1000 });
        const b = target.name === 'memory' ? errand : await createErrand({ databaseUrl: url, logger, rateLimits: { [q]: { limit: 3, intervalMs: 60_000, perKey: true } } });
        if (target.name === 'memory') await errand.admin.setRateLimit(q, { limit: 3, intervalMs: 60_000, perKey: true });
        expect((await a.admin.rateLimits()).find((l) => l.queue === q)).toMatchObject({ limit: 3, intervalMs: 60_000, perKey: true, used: 0 });
        if (a !== errand) await a.close();
        if (b !== errand) await b.close();
        await errand.admin.removeRateLimit(q);
      });
    });

    it('runs jobs at enqueue in inline mode', async () => {
      const inline = await createErrand({ databaseUrl: 'memory:', logger, mode: 'inline' });
      const seen: number[] = [];
      const j = defineJob<{ n: number }>({ name: 'inline.job', handler: (p) => {
        seen.push(p.n);
      } });
      inline.register(j);
      await inline.enqueue(j, { n: 7 });
      expect(seen).toEqual([7]);
      await inline.close();
    });
  });
}

describe('database URLs', () => {
  it('fails at once on an unknown form, listing the accepted ones', async () => {
    const err = await createErrand({ databaseUrl: 'mysql://root:secret@localhost/db', logger }).catch((e) => e);
    expect(err).toBeInstanceOf(ErrandError);
    expect(err.code).toBe('ERRAND_BAD_URL');
    expect(err.message).toContain('sqlite:');
    expect(err.message).toContain('postgres://');
    expect(err.message).toContain('memory:');
    expect(err.message).not.toContain('secret');
  });
});
