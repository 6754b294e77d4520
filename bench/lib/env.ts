import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { Redis as IORedis } from 'ioredis';
import pg from 'pg';

export const PG_ADMIN = process.env.BENCH_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/test';
export const PG_BASE = PG_ADMIN.replace(/\/[^/]*$/, '');
export const REDIS_URL = process.env.BENCH_REDIS ?? 'redis://127.0.0.1:6379';

let counter = 0;

/** Create a fresh, empty database (bench_<tag>_<pid>_<n>) and return its URL. */
export async function freshDatabase(tag: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `bench_${tag.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${++counter}`;
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${name}`);
  return { name, url: `${PG_BASE}/${name}`, drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => {}) };
}

export async function adminQuery(sql: string, values?: unknown[]): Promise<pg.QueryResult<any>> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    return await c.query(sql, values);
  } finally {
    await c.end();
  }
}

/** Drop databases left behind by crashed runs: bench_<tag>_<pid>_<n> whose process is gone. */
export async function dropStaleDatabases(): Promise<number> {
  const { rows } = await adminQuery(`SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'`);
  let dropped = 0;
  for (const r of rows) {
    const pid = Number(/_(\d+)_\d+$/.exec(r.datname)?.[1]);
    if (pid && alive(pid)) continue;
    await adminQuery(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`).catch(() => {});
    dropped++;
  }
  return dropped;
}

/**
 * Delete the Redis keys of crashed Errand-on-Redis runs: prefix bench_errand_<pid>_<ms> whose
 * process is gone (a finished run deletes its own). Returns how many keys went.
 */
export async function deleteStaleRedisKeys(db = Number(process.env.BENCH_REDIS_DB ?? 0)): Promise<number> {
  const r = new IORedis(`${REDIS_URL}/${db}`);
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', 'bench_errand_*', 'COUNT', 5000);
      cursor = next;
      const stale = keys.filter((k) => {
        const pid = Number(/^bench_errand_(\d+)_/.exec(k)?.[1]);
        return pid && !alive(pid);
      });
      if (stale.length) n += await r.unlink(...stale);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return n;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  postgres: string;
  pgSettings: Record<string, string>;
  redis: string;
  redisPersistence: string;
  date: string;
  commit: string;
}

export async function machineInfo(): Promise<MachineInfo> {
  const settings: Record<string, string> = {};
  let postgres = 'unknown';
  try {
    postgres = (await adminQuery('SHOW server_version')).rows[0].server_version;
    for (const s of ['synchronous_commit', 'fsync', 'shared_buffers', 'wal_level', 'max_connections']) {
      settings[s] = (await adminQuery(`SHOW ${s}`)).rows[0][s];
    }
  } catch {}
  const sh = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  const redisInfo = sh('redis-cli', ['INFO', 'server']);
  const redis = /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? 'unknown';
  const aof = sh('redis-cli', ['CONFIG', 'GET', 'appendonly']).split('\n')[1] ?? '?';
  const save = sh('redis-cli', ['CONFIG', 'GET', 'save']).split('\n')[1] || 'off';
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: sh('uname', ['-sr']),
    postgres,
    pgSettings: settings,
    redis,
    redisPersistence: `appendonly=${aof}, save=${save}`,
    date: new Date().toISOString(),
    commit: sh('git', ['rev-parse', '--short', 'HEAD']),
  };
}
