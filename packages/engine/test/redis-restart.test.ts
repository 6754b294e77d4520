/**
 * A Redis server of the test's own (redis-server on a free port, AOF on, `appendfsync always`),
 * killed with SIGKILL under a running worker and started again on the same AOF: the worker logs,
 * reconnects, subscribes again and goes on; every acknowledged write (enqueued, completed and
 * scheduled jobs) is still there; no job is lost or left running. The shared test Redis is never
 * restarted (other suites use it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createErrand, defineJob, type Errand } from '../src/index.js';
import { hasRedisServer } from './helpers/redis-server.js';
import { eventually } from './helpers/signals.js';

const HAS_REDIS_SERVER = hasRedisServer('the Redis restart test');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe.runIf(HAS_REDIS_SERVER)('Redis killed and restarted under a running worker (AOF, appendfsync always)', () => {
  let dir: string;
  let port: number;
  let server: ChildProcess | undefined;
  let errand: Errand;
  const ran = new Set<number>();
  const job = defineJob<{ i: number }>({ name: 'restart.job', handler: (p) => void ran.add(p.i) });

  async function startServer(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
    });
    server = child;
  }
  async function killServer(): Promise<void> {
    const s = server;
    server = undefined;
    if (!s) return;
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'errand-redis-'));
    port = await freePort();
    await startServer();
    errand = await createErrand({ databaseUrl: `redis://127.0.0.1:${port}/0`, jobs: [job], logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await errand?.close().catch(() => {});
    await killServer();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged job, reconnects, is woken by pub/sub again, and loses nothing', async () => {
    const url = `redis://127.0.0.1:${port}/0`;
    const worker = errand.worker({ queues: { default: 5 }, pollMs: 60_000 /* only a wake-up can start a job quickly */ });
    await worker.start();
    await errand.enqueueMany(Array.from({ length: 50 }, (_, i) => job.with({ i })));
    await eventually(() => ran.size === 50, 10_000, 'first 50 jobs');
    const later = await errand.enqueueMany(Array.from({ length: 20 }, (_, i) => job.with({ i: 500 + i }, { delayMs: 3600_000 })));

    const dbErrors: string[] = [];
    const off = errand.on('db:error', (e) => dbErrors.push(e.operation));
    await killServer();
    await new Promise((r) => setTimeout(r, 500));
    await startServer();
    // Enqueue from a separate client, so only the worker's renewed subscription can wake it.
    const other = await createErrand({ databaseUrl: url, logger: pino({ level: 'silent' }) });
    await other.enqueueMany(Array.from({ length: 50 }, (_, i) => job.with({ i: 50 + i })));
    await eventually(() => ran.size === 100, 15_000, 'jobs enqueued after the restart');
    expect(dbErrors).toContain('listen');
    // And the renewed subscription carries wake-ups: one more job starts at once, not at the poll.
    const t0 = Date.now();
    await other.enqueue(job, { i: 999 });
    await eventually(() => ran.has(999), 5000, 'a job after the subscription came back');
    expect(Date.now() - t0).toBeLessThan(2000);

    // What was acknowledged before the kill is all there (replayed from the AOF).
    const counts = await other.admin.stateCounts();
    expect(counts.scheduled).toBe(20);
    expect((await other.admin.getJob(later[19].id))?.state).toBe('scheduled');
    await eventually(async () => (await other.admin.stateCounts()).completed === 101, 10_000, '101 completed');
    off();
    expect(worker.isRunning).toBe(true);
    await other.close();
    await worker.stop();
    const after = await errand.admin.stateCounts();
    expect(after).toMatchObject({ completed: 101, scheduled: 20, running: 0, available: 0, retryable: 0, dead: 0 });
  }, 60_000);
});
