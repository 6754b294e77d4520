/**
 * A private PostgreSQL cluster for the chaos run: its own data directory, its own port, its own
 * socket directory. The chaos run restarts THIS server, never the machine's shared one (other
 * suites and engineers use 127.0.0.1:5432).
 *
 * PostgreSQL refuses to run as root, so when we are root the binaries run as the `postgres` OS
 * user through `runuser` (the PostgreSQL package creates that user). Stopped and removed by
 * `stop()`; also on process exit and on SIGINT/SIGTERM, so a failed run leaves nothing behind.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { cleanUpOnExit } from './processes.js';

const execFileAsync = promisify(execFile);

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  dataDir: string;
  /**
   * `pg_ctl stop -m immediate` then start: a crash, from the server's point of view (every
   * connection cut, WAL buffers not yet written lost, recovery on start); resolves once the
   * server accepts again.
   */
  crashRestart(): Promise<void>;
  /** Stop and remove the data directory. Safe to call twice. */
  stop(): Promise<void>;
}

function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv) return fromEnv;
  if (!existsSync(root)) throw new Error(`chaos: no PostgreSQL binaries: ${root} does not exist (apt-get install postgresql, or set PG_BIN_DIR)`);
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`chaos: no pg_ctl under ${root}/*/bin (set PG_BIN_DIR)`);
  return join(root, versions[0], 'bin');
}

function osUser(name: string): { uid: number; gid: number } | null {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    if (!line) return null;
    const f = line.split(':');
    return { uid: Number(f[2]), gid: Number(f[3]) };
  } catch {
    return null;
  }
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch (err) {
      last = err;
      await c.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`chaos: private PostgreSQL did not accept connections within ${timeoutMs} ms: ${(last as Error)?.message}`);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = findBinDir();
  const asRoot = process.getuid?.() === 0;
  const pgUser = asRoot ? osUser('postgres') : null;
  if (asRoot) {
    if (!pgUser) throw new Error('chaos: running as root, and there is no `postgres` OS user to run PostgreSQL as (PostgreSQL refuses to run as root). Install the postgresql package, or run as a normal user.');
    try {
      execFileSync('runuser', ['--help'], { stdio: 'ignore' });
    } catch {
      throw new Error('chaos: running as root, and `runuser` is missing: it is needed to run PostgreSQL as the postgres user (util-linux).');
    }
  }
  const command = (tool: string, args: string[]): [string, string[]] => {
    const cmd = join(bin, tool);
    return asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  };
  // Synchronous: for start-up and for the exit handler. Asynchronous: in the middle of the run,
  // so the in-process gateway and the purchase clock keep going while PostgreSQL restarts.
  const run = (tool: string, args: string[]): string => {
    const [file, argv] = command(tool, args);
    return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  };
  const runAsync = async (tool: string, args: string[]): Promise<void> => {
    const [file, argv] = command(tool, args);
    await execFileAsync(file, argv, { timeout: 60_000 });
  };

  const dir = mkdtempSync(join(tmpdir(), 'errand-chaos-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  if (pgUser) chownSync(dir, pgUser.uid, pgUser.gid);
  chmodSync(dir, 0o700);
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;

  const ctl = (...args: string[]) => run('pg_ctl', ['-D', dataDir, '-w', '-t', '60', ...args]);
  const ctlAsync = (...args: string[]) => runAsync('pg_ctl', ['-D', dataDir, '-w', '-t', '60', ...args]);
  const startArgs = ['-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200`, '-l', logFile, 'start'];

  const cleanup = () => {
    if (stopped) return;
    stopped = true;
    try {
      ctl('-m', 'immediate', 'stop');
    } catch {
      // already down
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const unhook = cleanUpOnExit(cleanup);

  try {
    run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    ctl(...startArgs);
    await waitForServer(url);
  } catch (err) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    cleanup();
    unhook();
    throw new Error(`chaos: cannot start a private PostgreSQL in ${dataDir}: ${(err as Error).message}\n${log}`);
  }

  return {
    url,
    port,
    dataDir,
    async crashRestart() {
      await ctlAsync('-m', 'immediate', 'stop');
      await ctlAsync(...startArgs);
      await waitForServer(url);
    },
    async stop() {
      cleanup();
      unhook();
    },
  };
}
