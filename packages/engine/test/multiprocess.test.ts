import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverOf } from '../src/client.js';
import type { PostgresDriver } from '../src/drivers/postgres/driver.js';
import type { SqliteDriver } from '../src/drivers/sqlite/driver.js';
import { createErrand, type Errand } from '../src/index.js';
import { recordJob, slowJob, startedJob } from './fixtures/jobs.js';
import { DRIVERS } from './helpers/drivers.js';
import { ERRAND_CLI, workerPool } from './helpers/processes.js';
import { createTestRedisClient } from './helpers/redis.js';
import { eventually } from './helpers/signals.js';

const JOBS_MODULE = join(import.meta.dirname, 'fixtures', 'jobs.ts');
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
      await sql('DELETE FROM mp_starts');
      await sql('DELETE FROM errand_jobs');
      // Finished jobs: PostgreSQL's partitioned history table, or SQLite's day tables (behind a view).
      const history =
        driverOf(errand).dialect === 'sqlite'
          ? (await sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'errand_jobs_history_*'")).map((r) => r.name as string)
          : ['errand_jobs_history'];
      for (const t of history) await sql(`DELETE FROM ${t}`);
      if (schedules) await sql('DELETE FROM errand_schedules');
    }
    const distinct = (xs: number[]) => new Set(xs).size;
    beforeAll(async () => {
      const db = await target.setup();
      url = db.url;
      teardown = db.teardown;
      errand = await createErrand({ databaseUrl: url, logger });
      if (!redis) {
        await sql('CREATE TABLE mp_done (job_id BIGINT NOT NULL, pid INTEGER NOT NULL, attempt INTEGER NOT NULL)');
        await sql('CREATE TABLE mp_starts (job_id BIGINT NOT NULL, pid INTEGER NOT NULL, at_ms BIGINT NOT NULL)');
      }
    });
    afterAll(async () => {
      for (const p of procs) p.child.kill('SIGKILL');
      await errand?.close();
      redis?.disconnect();
      await teardown?.();
    });

    it('a rate limit of 20 per second holds across 3 worker processes (handlers’ start times), within one interval’s slack, and is used to the full', async () => {
      await reset();
      // Declared by this process only: the workers read the stored limit, they declare nothing.
      await errand.admin.setRateLimit('limited', { limit: 20, intervalMs: 1000 });
      const enq = await errand.enqueueMany(Array.from({ length: 120 }, (_, i) => startedJob.with({ i })));
      await Promise.all([worker('--queue', 'limited=10'), worker('--queue', 'limited=10'), worker('--queue', 'limited=10')]);
      await eventually(async () => (await errand.admin.stateCounts()).completed === 120, 60_000, '120 completed');
      await stopAll();
      const rows = redis
        ? (await redis.lrange(`${prefix()}:test:mp_starts`, 0, -1)).map((x) => JSON.parse(x) as { job_id: number; pid: number; at_ms: number })
        : await sql('SELECT job_id, pid, at_ms FROM mp_starts');
      expect(new Set(rows.map((r) => Number(r.job_id))).size).toBe(120);
      expect(rows.length).toBe(120); // each started once
      expect(new Set(rows.map((r) => r.pid)).size).toBeGreaterThan(1);
      const starts = rows.map((r) => Number(r.at_ms)).sort((a, b) => a - b);
      // Fixed 1-second windows hold at most 20 starts each, so any span of T ms of start times
      // (a start follows its claim by a few ms: 100 ms allowed) holds at most 20 · (⌈T/1000⌉ + 1).
      for (let i = 0; i < starts.length; i++) {
        for (let j = i + 1; j < starts.length; j++) {
          const bound = 20 * (Math.ceil((starts[j] - starts[i] + 100) / 1000) + 1);
          if (j - i + 1 > bound) throw new Error(`${j - i + 1} starts within ${starts[j] - starts[i]} ms (at most ${bound})`);
        }
      }
      // By the database's clock (each claim's attempted_at), every window holds at most 20 exactly.
      const perWindow = new Map<number, number>();
      for (const e of enq) {
        const w = Math.floor((await errand.admin.getJob(e.id))!.attemptedAt!.getTime() / 1000);
        perWindow.set(w, (perWindow.get(w) ?? 0) + 1);
      }
      expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(20);
      // Used to the full: 120 jobs in six or seven windows (workers wake as each window ends, not at
      // a poll), though unlimited they would all start within a second.
      const span = starts.at(-1)! - starts[0];
      expect(span).toBeGreaterThan(4000);
      expect(span).toBeLessThan(8000);
      expect(perWindow.size).toBeLessThanOrEqual(8);
      // `errand stats` lists the limit (JSON and table).
      const stats = (...flags: string[]) =>
        execFileSync(process.execPath, [...ERRAND_CLI, 'stats', '--database-url', url, ...flags], { env: { ...process.env, ERRAND_LOG_LEVEL: 'warn' } }).toString();
      expect(JSON.parse(stats('--json')).rateLimits).toEqual([expect.objectContaining({ queue: 'limited', limit: 20, intervalMs: 1000, perKey: false })]);
      expect(stats()).toMatch(/^limited +20 per 1000 ms +\d+\/20 /m);
      await errand.admin.removeRateLimit('limited');
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
