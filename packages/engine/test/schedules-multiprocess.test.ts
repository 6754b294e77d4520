/**
 * The schedule guarantee as issue 12 words it: three worker processes on one SQLite file, on
 * PostgreSQL and on Redis with a 1-second schedule for 30 s → one job per tick, none twice, none missing; a
 * process killed (SIGKILL) mid-run and a restart across ticks follow the catch-up policy.
 *
 * A file of its own, its dialects run concurrently (each about a minute, mostly waiting on the
 * clock), so the 30 s the issue asks for cost the suite one minute, not three.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { driverOf } from '../src/client.js';
import type { PostgresDriver } from '../src/drivers/postgres/driver.js';
import type { SqliteDriver } from '../src/drivers/sqlite/driver.js';
import { createErrand, type Errand } from '../src/index.js';
import { DRIVERS } from './helpers/drivers.js';
import { startWorkerProcess, workerPool } from './helpers/processes.js';
import { createTestRedisClient } from './helpers/redis.js';
import { eventually } from './helpers/signals.js';

const SCHEDULES_MODULE = join(import.meta.dirname, 'fixtures', 'schedules.ts');
const SCHEDULE = 'mp.every-second';
const RUN_MS = 30_000;
const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sql(errand: Errand, text: string): Promise<any[]> {
  if (driverOf(errand).dialect === 'sqlite') {
    const stmt = (driverOf(errand) as SqliteDriver).db.prepare(text);
    if (stmt.reader) return stmt.all();
    stmt.run();
    return [];
  }
  return (await (driverOf(errand) as PostgresDriver).pool.query({ text })).rows;
}

const isRedis = (errand: Errand) => driverOf(errand).dialect === 'redis';
const redisPrefix = (url: string) => new URL(url).searchParams.get('prefix') ?? 'errand';

/**
 * Each job of the schedule with its tick as stored (schedule_tick; on Redis the schedule's
 * `ticks:<name>` zset, tick → job): a job's runAt is its tick until it is rescued or retried,
 * which moves run_at to when it may run again.
 */
async function scheduleTicks(errand: Errand, url: string): Promise<{ id: number; tick: number; createdAt: number }[]> {
  const jobs = await errand.admin.scheduleJobs(SCHEDULE, 500);
  let tickOf: Map<number, number>;
  if (isRedis(errand)) {
    const redis = createTestRedisClient();
    try {
      const flat = await redis.zrange(`${redisPrefix(url)}:{ticks}:ticks:${SCHEDULE}`, 0, -1, 'WITHSCORES');
      tickOf = new Map();
      for (let i = 0; i < flat.length; i += 2) tickOf.set(Number(flat[i]), Number(flat[i + 1]));
    } finally {
      redis.disconnect();
    }
  } else {
    // Unfinished jobs in errand_jobs, finished ones in history.
    const rows = await sql(
      errand,
      `SELECT id, schedule_tick FROM errand_jobs WHERE schedule_name = '${SCHEDULE}' UNION ALL SELECT id, schedule_tick FROM errand_jobs_history WHERE schedule_name = '${SCHEDULE}'`,
    );
    tickOf = new Map(rows.map((r) => [Number(r.id), new Date(r.schedule_tick).getTime()]));
  }
  return jobs.map((j) => ({ id: j.id, tick: tickOf.get(j.id)!, createdAt: j.createdAt.getTime() })).sort((a, b) => a.tick - b.tick);
}

/** How often each job ran (fixtures/jobs.ts recordJob: the mp_done table, or a Redis list). */
async function runsPerJob(errand: Errand, url: string): Promise<Map<number, number>> {
  const ran = new Map<number, number>();
  if (isRedis(errand)) {
    const redis = createTestRedisClient();
    try {
      for (const x of await redis.lrange(`${redisPrefix(url)}:test:mp_done`, 0, -1)) {
        const id = Number((JSON.parse(x) as { job_id: number }).job_id);
        ran.set(id, (ran.get(id) ?? 0) + 1);
      }
    } finally {
      redis.disconnect();
    }
    return ran;
  }
  for (const r of await sql(errand, 'SELECT job_id, count(*) AS n FROM mp_done GROUP BY job_id')) ran.set(Number(r.job_id), Number(r.n));
  return ran;
}

describe.concurrent('a 1-second schedule on several worker processes', () => {
  for (const target of DRIVERS.filter((d) => d.name !== 'memory')) {
    it.runIf(target.enabled)(
      `${target.name}: 3 processes for 30 s, one killed mid-run: one job per tick, none twice, none missing; a restart across ticks catches up once`,
      async () => {
        const db = await target.setup();
        const errand = await createErrand({ databaseUrl: db.url, logger });
        // A 2 s lease: the killed process's job is rescued and run by another within seconds.
        const { procs, start, stopAll } = workerPool(() => ({
          args: ['--jobs', SCHEDULES_MODULE, '--database-url', db.url, '--queue', 'ticks=5', '--lease', '2000'],
          env: { DATABASE_URL: db.url },
        }));
        try {
          if (!isRedis(errand)) await sql(errand, 'CREATE TABLE mp_done (job_id BIGINT NOT NULL, pid INTEGER NOT NULL, attempt INTEGER NOT NULL)');
          // Ticks can begin as soon as the first process is up (under load the others take seconds
          // to start), so the upper bound on their count runs from here.
          const firstStartAt = Date.now();
          // The victim starts alone and runs each tick job for 60 s: the first ticks are surely its
          // own, and it still holds them when it is killed mid-run (it never gets to record a run;
          // under load, racing two other processes, it could go many seconds without winning one).
          const victim = await startWorkerProcess(
            ['--jobs', SCHEDULES_MODULE, '--database-url', db.url, '--queue', 'ticks=5', '--lease', '2000'],
            { DATABASE_URL: db.url, TICK_JOB_MS: '60000' },
          );
          procs.push(victim);
          const onVictim = async () => {
            const running = await errand.admin.listJobs({ state: 'running', queue: 'ticks', limit: 10 });
            return running.jobs.find((j) => Number(j.lockedBy?.split(':').at(-2)) === victim.child.pid)?.id ?? null;
          };
          const victimJob = (await eventually(onVictim, 15_000, 'a tick job running on the victim'))!;
          await Promise.all([start(), start()]);
          const startedAt = Date.now();

          // Mid-run, SIGKILL the victim while it runs a tick's job.
          await sleep(RUN_MS / 2);
          expect(await onVictim()).not.toBeNull();
          victim.child.kill('SIGKILL');
          const killedAt = Date.now();
          expect(await victim.exited).toBe('SIGKILL');
          procs.splice(procs.indexOf(victim), 1);

          await sleep(Math.max(0, startedAt + RUN_MS - Date.now()));
          const stoppingAt = Date.now();
          await stopAll();
          const ranFor = Date.now() - firstStartAt;
          const jobs = await errand.admin.scheduleJobs(SCHEDULE, 500);
          const ticks = (await scheduleTicks(errand, db.url)).map((j) => j.tick);
          expect(new Set(ticks).size).toBe(ticks.length); // none twice
          // None missing, the kill included (a gap is reported by its time from the start and the kill).
          const gaps = ticks.slice(1).map((t, i) => [t - ticks[i], ticks[i] - startedAt, ticks[i] - killedAt]).filter(([d]) => d !== 1000);
          expect(gaps, 'gaps: [ms, after the start, after the kill]').toEqual([]);
          expect(ticks.length).toBeGreaterThanOrEqual(Math.floor(RUN_MS / 1000) - 1);
          expect(ticks.length).toBeLessThanOrEqual(Math.ceil(ranFor / 1000) + 1);
          // The killed process's job was rescued (its lease ran out) and completed elsewhere.
          const rescued = await errand.admin.getJob(victimJob);
          expect(rescued?.state).toBe('completed');
          expect(rescued?.errors.map((e) => e.kind)).toContain('lease_expired');
          // Every job ran to completion exactly once (the victim never finished one, so its rescued
          // jobs too), except the jobs made as the workers stopped, left available: never lost,
          // never running, never run, and made within the on-time window (5 s) before the SIGTERMs
          // — a loaded machine can make a tick's job seconds late and drain for seconds. The
          // restart below runs each of them, once.
          const ran = await runsPerJob(errand, db.url);
          const leftAvailable: number[] = [];
          for (const j of jobs) {
            expect(['completed', 'available']).toContain(j.state);
            if (j.state === 'completed') expect(ran.get(j.id)).toBe(1);
            else {
              leftAvailable.push(j.id);
              expect(ran.get(j.id), `job ${j.id} left available`).toBeUndefined();
              expect(j.createdAt.getTime(), `job ${j.id} left available`).toBeGreaterThan(stoppingAt - 5000);
            }
          }

          // Down for 8 s (past the 5 s on-time window): on restart the missed ticks make one job
          // (catchUp 'once'), for the latest missed tick, then the on-time ones follow.
          const lastBefore = ticks.at(-1)!;
          await sleep(8000);
          await Promise.all([start(), start(), start()]);
          await eventually(async () => (await errand.admin.scheduleJobs(SCHEDULE, 500)).length >= jobs.length + 7, 30_000, 'ticks after the restart');
          await stopAll();
          const ranAfter = await runsPerJob(errand, db.url);
          expect(leftAvailable.map((id) => ranAfter.get(id))).toEqual(leftAvailable.map(() => 1));
          const after = (await scheduleTicks(errand, db.url)).filter((j) => j.tick > lastBefore);
          const afterTicks = after.map((j) => j.tick);
          expect(new Set(afterTicks).size).toBe(afterTicks.length);
          expect(afterTicks[0] - lastBefore).toBeGreaterThan(1000); // ticks of the downtime were skipped…
          // …but one: the latest missed tick, made late (more than the 5 s on-time window after its time).
          const late = after.filter((j) => j.createdAt - j.tick >= 5000);
          expect(late.map((j) => j.id)).toEqual([after[0].id]);
          for (let i = 1; i < afterTicks.length; i++) expect(afterTicks[i] - afterTicks[i - 1]).toBe(1000);
        } finally {
          for (const p of procs) p.child.kill('SIGKILL');
          await errand.close();
          await db.teardown();
        }
      },
      150_000,
    );
  }
});
