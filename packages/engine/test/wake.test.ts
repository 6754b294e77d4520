/**
 * SQLite's wake-up channel (src/wake/socket-wake.ts): a job committed in one process starts in a
 * worker of another without waiting for the poll; every worker process is woken; a channel that
 * is removed or cannot be made leaves the workers polling, with no error for the user. The polls
 * here are a minute long, so a job that runs at all before the test's deadline was woken.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverOf } from '../src/client.js';
import type { SqliteDriver } from '../src/drivers/sqlite/driver.js';
import { createErrand, defineJob, type Errand } from '../src/index.js';
import { WakeReceiver, WakeSender, wakeDirectory } from '../src/wake/socket-wake.js';
import { recordJob } from './fixtures/jobs.js';
import { workerPool } from './helpers/processes.js';
import { eventually } from './helpers/signals.js';

const JOBS_MODULE = join(import.meta.dirname, 'fixtures', 'jobs.ts');
const logger = pino({ level: 'silent' });
const LONG_POLL = '60000';
const isRoot = process.getuid?.() === 0;

describe.skipIf(process.platform === 'win32')('SQLite wake-ups across processes', () => {
  let dir: string;
  let file: string;
  let url: string;
  let errand: Errand;
  const { procs, start: worker, stopAll } = workerPool(() => ({ args: ['--jobs', JOBS_MODULE, '--database-url', url, '--poll', LONG_POLL], env: { DATABASE_URL: url } }));

  const done = (): { job_id: number; pid: number }[] => (driverOf(errand) as SqliteDriver).db.prepare('SELECT job_id, pid FROM mp_done').all() as never;
  const sockets = () => readdirSync(wakeDirectory(file)!).filter((n) => n.endsWith('.sock'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'errand-wake-'));
    file = join(dir, 'jobs.db');
    url = `sqlite:${file}`;
    errand = await createErrand({ databaseUrl: url, logger });
    (driverOf(errand) as SqliteDriver).db.exec('CREATE TABLE mp_done (job_id BIGINT NOT NULL, pid INTEGER NOT NULL, attempt INTEGER NOT NULL)');
  });
  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await errand?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the driver advertises the channel for a file, not for memory', async () => {
    expect(driverOf(errand).capabilities.listen).toBe(true);
    const mem = await createErrand({ databaseUrl: 'memory:', logger });
    expect(driverOf(mem).capabilities.listen).toBe(false);
    await mem.close();
  });

  it('a job committed here starts in another process long before its poll would find it', async () => {
    const w = await worker('--queue', 'default=2');
    await eventually(async () => sockets().length === 1, 10_000, "the worker's socket");
    const [job] = await errand.enqueueMany([recordJob.with({ i: 1 })]);
    await eventually(async () => done().some((r) => r.job_id === job.id && r.pid === w.child.pid), 20_000, 'the job run by the other process');
    // Inside the caller's own transaction: woken once it commits.
    const db = (driverOf(errand) as SqliteDriver).db;
    const inTx = db.transaction(() => errand.enqueueSync(recordJob, { i: 2 }, { tx: db }))();
    await eventually(async () => done().some((r) => r.job_id === inTx.id), 20_000, 'the job enqueued in a transaction');
    await stopAll();
    expect(sockets()).toEqual([]); // a stopped worker takes its socket away
  }, 60_000);

  it('several worker processes are all woken', async () => {
    const ws = await Promise.all(['q1', 'q2', 'q3'].map((q) => worker('--queue', `${q}=1`)));
    await eventually(async () => sockets().length === 3, 10_000, 'three sockets');
    const jobs = await errand.enqueueMany(['q1', 'q2', 'q3'].map((queue, i) => recordJob.with({ i }, { queue })));
    await eventually(async () => jobs.every((j) => done().some((r) => r.job_id === j.id)), 20_000, 'one job run in each process');
    const pids = new Set(done().filter((r) => jobs.some((j) => j.id === r.job_id)).map((r) => r.pid));
    expect(pids).toEqual(new Set(ws.map((w) => w.child.pid)));
    await stopAll();
  }, 60_000);

  it("a worker's socket file removed: it polls meanwhile, makes a new one, and is woken again", async () => {
    const w = await worker('--queue', 'default=1', '--poll', '200');
    await eventually(async () => sockets().length === 1, 10_000, "the worker's socket");
    const [first] = sockets();
    unlinkSync(join(wakeDirectory(file)!, first));
    // Whatever the state of the channel, the job is found (by a wake-up or by the poll).
    const [a] = await errand.enqueueMany([recordJob.with({ i: 3 })]);
    await eventually(async () => done().some((r) => r.job_id === a.id), 20_000, 'the job, channel or not');
    await eventually(async () => sockets().length === 1 && sockets()[0] !== first, 10_000, 'a new socket');
    const [b] = await errand.enqueueMany([recordJob.with({ i: 4 })]);
    await eventually(async () => done().some((r) => r.job_id === b.id && r.pid === w.child.pid), 20_000, 'the job after the socket came back');
    await stopAll();
  }, 60_000);

  it.each(['unwritable', 'not a directory'])('a wake-up directory that is %s: the worker polls, and neither side reports an error', async (how) => {
    if (how === 'unwritable' && isRoot) return; // root writes anyway; "not a directory" covers it
    const roDir = mkdtempSync(join(tmpdir(), 'errand-wake-ro-'));
    const roFile = join(roDir, 'jobs.db');
    const wakeDir = wakeDirectory(roFile)!;
    if (how === 'unwritable') {
      mkdirSync(wakeDir);
      chmodSync(wakeDir, 0o500);
    } else writeFileSync(wakeDir, 'in the way');
    const errors: unknown[] = [];
    const ro = await createErrand({ databaseUrl: `sqlite:${roFile}`, logger });
    ro.events.on('db:error', (e) => errors.push(e));
    const ran: number[] = [];
    const job = defineJob<{ n: number }>({ name: 'wake.ro', handler: (p) => void ran.push(p.n) });
    ro.register(job);
    const w = await ro.worker({ queues: { default: 1 }, pollMs: 50 }).start();
    try {
      await ro.enqueue(job, { n: 1 }); // the sender finds no socket: nothing to wake, no error
      await eventually(async () => ran.includes(1), 10_000, 'the job found by the poll');
      expect(errors).toEqual([]);
    } finally {
      await w.stop();
      await ro.close();
      if (how === 'unwritable') chmodSync(wakeDir, 0o700);
      rmSync(roDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(process.platform === 'win32')('the socket channel', () => {
  it('delivers queue names to every receiver; comes back after its file is removed; a sender with no directory does nothing', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'errand-wake-unit-')), 'db-wake');
    const got: string[][] = [[], []];
    const states: boolean[][] = [[], []];
    const receivers = [0, 1].map((i) => new WakeReceiver({ dir, onWake: (q) => got[i].push(q), onState: (up) => states[i].push(up), checkMs: 20 }));
    await Promise.all(receivers.map((r) => r.start()));
    expect(states).toEqual([[true], [true]]);
    const sender = new WakeSender(dir);
    sender.send(['payments', 'default']);
    await eventually(async () => got.every((g) => g.join() === 'payments,default'), 5_000, 'both receivers woken');

    for (const n of readdirSync(dir)) unlinkSync(join(dir, n));
    await eventually(async () => states[0].join() === 'true,false,true' && readdirSync(dir).length === 2, 5_000, 'sockets made again');
    sender.send(['again']);
    await eventually(async () => got.every((g) => g.at(-1) === 'again'), 5_000, 'woken through the new sockets');

    await Promise.all(receivers.map((r) => r.stop()));
    expect(readdirSync(dir)).toEqual([]);
    sender.send(['nobody']);
    sender.close();
    const lost = new WakeSender(join(dir, 'missing'));
    expect(() => lost.send(['x'])).not.toThrow();
    lost.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a path too long for a socket address has no channel (workers poll)', () => {
    expect(wakeDirectory(`/tmp/${'x'.repeat(120)}.db`)).toBeNull();
    expect(wakeDirectory(':memory:')).toBeNull();
    expect(wakeDirectory('/tmp/a.db')).toBe('/tmp/a.db-wake');
  });
});
