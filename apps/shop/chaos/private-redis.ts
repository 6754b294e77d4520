/**
 * A private Redis server for the chaos run on `--db redis`: `redis-server` on a free port of its
 * own, AOF on with `appendfsync everysec` (Redis' default AOF policy), data in a temp directory.
 * The chaos run kills and restarts THIS server, never the machine's shared one on 6379 (other
 * suites and engineers use it). Stopped and removed by `stop()`; also on process exit and on
 * SIGINT/SIGTERM, so a failed run leaves nothing behind.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './private-postgres.js';
import { cleanUpOnExit } from './processes.js';

export interface PrivateRedis {
  /** redis://127.0.0.1:PORT/0 */
  url: string;
  port: number;
  dir: string;
  /**
   * SIGKILL then start again on the same AOF: a crash of the Redis process (not of the machine:
   * with everysec, what Redis acknowledged is in the OS page cache and survives, see
   * packages/engine/docs/engine.md, Durability on Redis). Resolves once it accepts again.
   */
  restart(): Promise<void>;
  /** Stop and remove the data directory. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('chaos: --db redis needs redis-server on PATH (apt-get install redis-server)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'errand-chaos-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction'];
  let server: ChildProcess | null = null;
  let stopped = false;

  const start = async (): Promise<void> => {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chaos: private redis-server did not start in 20 s:\n${out.slice(-2000)}`)), 20_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`chaos: private redis-server exited (${code}) before it was ready:\n${out.slice(-2000)}`));
      });
    });
    server = child;
  };
  const kill = async (): Promise<void> => {
    const s = server;
    server = null;
    if (!s || s.exitCode !== null) return;
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGKILL');
    await exited;
  };

  const cleanup = () => {
    if (stopped) return;
    stopped = true;
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const unhook = cleanUpOnExit(cleanup);

  try {
    await start();
  } catch (err) {
    cleanup();
    unhook();
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    dir,
    async restart() {
      await kill();
      await start();
    },
    async stop() {
      await kill();
      cleanup();
      unhook();
    },
  };
}
