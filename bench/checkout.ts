/**
 * Checkout under load: `npx tsx bench/checkout.ts` (part of `npm run bench`).
 * The shop (npm start's entry point, in its own process, WORKERS=10, rate limit off) on SQLite
 * and on PostgreSQL, and the inline baseline (bench/checkout/inline-baseline.ts), each under
 * autocannon: 100 connections, 10 s, POST /buy/field-guide with a fresh valid token per request
 * (all created before the runs), with the gateway at 0 ms, at 2 s and down (nothing listening).
 * Writes bench/results/checkout.json (or `--out NAME`: bench/results/NAME.json).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestToken } from '@errand/gateway';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';
import { adminQuery, dropStaleDatabases, freshDatabase, machineInfo } from './lib/env.js';
import { freePort, startTs, stop, waitHttp } from './lib/procs.js';
import { fmt, sleep } from './lib/stats.js';
import { markdownTable } from './lib/table.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const SHOP = join(ROOT, 'apps/shop/src/main.ts');
const GATEWAY_CLI = join(ROOT, 'packages/gateway/src/cli.ts');
const BASELINE = join(HERE, 'checkout/inline-baseline.ts');

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const DURATION = Number(flag('duration', '10'));
const CONNECTIONS = Number(flag('connections', '100'));
/** Seconds of load before each measured run (JIT, connection pools), not counted. */
const WARMUP = Number(flag('warmup', '2'));
const ALL_GATEWAYS = [
  { name: '0 ms', latencyMs: 0, down: false },
  { name: '2 s', latencyMs: 2000, down: false },
  { name: 'down', latencyMs: 0, down: true },
];
/** `--gateways 0,2s,down` (default all three): which gateway settings to run. */
const GATEWAYS = ALL_GATEWAYS.filter((g) => flag('gateways', '0,2s,down').split(',').includes(g.name.replace(/ ms$| /, '')));
/** `--databases sqlite,postgres` (default both): the shop's databases, in this order per round. */
const DATABASES = flag('databases', 'sqlite,postgres').split(',');
/**
 * `--before-shop PATH`: the entry point of another tree's shop (e.g. a worktree of the commit
 * before a change), run as the database `postgres-before` / `sqlite-before` in `--databases`, so
 * a change is measured against its parent in the same run.
 */
const BEFORE_SHOP = flag('before-shop', '');
/** `--rounds N`: run the databases × gateways N times, interleaved (A B A B …), for same-window ratios. */
const ROUNDS = Number(flag('rounds', '1'));
/** `--baseline no`: skip the inline baseline. */
const BASELINE_ON = flag('baseline', 'yes') !== 'no';
/**
 * `--tokens N`: tokens made before the runs, one per request. By default enough for every row at
 * up to 5,000 requests/s over warm-up and run (60,000 a row): a row that runs out sends tok_visa
 * again, which the shop answers from the sale it already has, so its figures are not comparable.
 */
const TOKENS = Number(flag('tokens', String(Math.max(60_000, (ROUNDS * DATABASES.length + (BASELINE_ON ? 1 : 0)) * GATEWAYS.length * 60_000))));
/** `--profile DIR`: run the shop under `node --cpu-prof --cpu-prof-dir=DIR` (summarise with bench/lib/cpuprofile.ts). */
const PROFILE = flag('profile', '');
/**
 * `--syscalls`: count the shop's I/O system calls over each measured run, per request (Linux
 * `perf stat` on the syscall tracepoints: unlike strace, it does not slow the shop down).
 */
const SYSCALLS = process.argv.includes('--syscalls');
const SYSCALL_NAMES = ['pwrite64', 'write', 'writev', 'fsync', 'fdatasync', 'pread64', 'read'];
/** `--pool N`: the shop's PostgreSQL pool size (DATABASE_POOL_SIZE; default the shop's). */
const POOL = flag('pool', '');

interface Row {
  target: string;
  database: string;
  gateway: string;
  requestsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
  timeouts: number;
  tokensReused: number;
  /** 1-minute load average right after the run. */
  load1?: number;
  /**
   * CPU per request, less at the mercy of the machine's other load than requests/s: the shop
   * process's user+system time, and (PostgreSQL) its database's server backends', over the
   * measured run, in ms per request (Linux /proc; absent elsewhere).
   */
  shopCpuMsPerReq?: number;
  dbCpuMsPerReq?: number;
  /** The gateway process's CPU per request (it shares the machine's cores with the shop). */
  gatewayCpuMsPerReq?: number;
  /** Bytes the shop process wrote per request (Linux /proc/PID/io write_bytes: the database file and its WAL). */
  shopBytesPerReq?: number;
  /** write() calls per request (/proc/PID/io syscw). */
  shopWritesPerReq?: number;
  /**
   * Sales the shop's workers settled (charged or declined) per second over the measured run, and
   * the sales still waiting for their charge when it ended: requests/s alone would reward a
   * shop whose workers fall behind the checkout.
   */
  settledPerSec?: number;
  backlog?: number;
}

/** Settled and waiting sales in the shop's database (a SQLite file, or a PostgreSQL URL). */
async function saleCounts(target: { file?: string; url?: string }): Promise<{ settled: number; waiting: number }> {
  const sql = "SELECT count(*) FILTER (WHERE state IN ('pending', 'processing')) AS waiting, count(*) FILTER (WHERE state NOT IN ('pending', 'processing')) AS settled FROM sales";
  if (target.url) {
    const c = new pg.Client({ connectionString: target.url });
    await c.connect();
    try {
      const r = (await c.query(sql)).rows[0];
      return { settled: Number(r.settled), waiting: Number(r.waiting) };
    } finally {
      await c.end();
    }
  }
  const db = new Database(target.file!, { readonly: true, fileMustExist: true });
  try {
    const r = db.prepare(sql).get() as { settled: number; waiting: number };
    return { settled: Number(r.settled), waiting: Number(r.waiting) };
  } finally {
    db.close();
  }
}

/** user+system CPU of a process in ms (Linux /proc), or null. */
function cpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** write_bytes and syscw of a process (Linux /proc/PID/io), or null. */
function ioOf(pid: number | undefined): { bytes: number; writes: number } | null {
  if (!pid) return null;
  try {
    const io = Object.fromEntries(readFileSync(`/proc/${pid}/io`, 'utf8').trim().split('\n').map((l) => l.split(': ')).map(([k, v]) => [k, Number(v)]));
    return { bytes: io.write_bytes, writes: io.syscw };
  } catch {
    return null;
  }
}

/** Total CPU ms of the server backends connected to this database now (PostgreSQL on this machine). */
async function dbCpuMs(database: string | undefined): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!database) return out;
  const { rows } = await adminQuery('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  for (const r of rows) {
    const ms = cpuMs(r.pid);
    if (ms !== null) out.set(r.pid, ms);
  }
  return out;
}

function dbDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

class TokenPool {
  private next = 0;
  reused = 0;
  constructor(private readonly tokens: string[]) {}
  take(): string {
    if (this.next < this.tokens.length) return this.tokens[this.next++];
    this.reused++;
    return 'tok_visa';
  }
  get left(): number {
    return this.tokens.length - this.next;
  }
}

async function makeTokens(gatewayUrl: string, n: number): Promise<string[]> {
  const out: string[] = [];
  let i = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (i < n) {
        i++;
        out.push(await createTestToken(gatewayUrl));
      }
    }),
  );
  return out;
}

function load(url: string, pool: TokenPool, duration = DURATION): Promise<autocannon.Result> {
  let k = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req: any) => ({ ...req, body: JSON.stringify({ stripeToken: pool.take(), email: `bench${k++}@example.com` }) }),
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

async function setFaults(gatewayUrl: string, latencyMs: number): Promise<void> {
  const res = await fetch(`${gatewayUrl}/_control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs }) });
  if (!res.ok) throw new Error(`setting gateway faults failed: ${res.status} ${await res.text()}`);
}

function toRow(target: string, database: string, gateway: string, r: autocannon.Result, reused: number): Row {
  return {
    target, database, gateway, requestsPerSec: r.requests.average, p50: r.latency.p50, p99: r.latency.p99,
    errors: r.errors, non2xx: r.non2xx, requests: r.requests.total, timeouts: r.timeouts, tokensReused: reused,
  };
}

async function main(): Promise<void> {
  await dropStaleDatabases();
  const machine = await machineInfo();
  const gwPort = freePort();
  const gatewayUrl = `http://127.0.0.1:${gwPort}`;
  const downUrl = `http://127.0.0.1:${freePort()}`; // nothing listens here
  const gateway = startTs(GATEWAY_CLI, { GATEWAY_PORT: String(gwPort) }, ['--quiet']);
  const rows: Row[] = [];
  try {
    await waitHttp(`${gatewayUrl}/_control/health`, gateway);
    const t0 = Date.now();
    const pool = new TokenPool(await makeTokens(gatewayUrl, TOKENS));
    console.log(`created ${TOKENS} tokens in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (let round = 0; round < ROUNDS; round++)
    for (const database of DATABASES) {
      for (const gw of GATEWAYS) {
        await setFaults(gatewayUrl, gw.latencyMs);
        const dialect = database.split('-')[0];
        const db = dialect === 'postgres' ? await freshDatabase('shop') : null;
        const file = join(tmpdir(), `bench_shop_${process.pid}_${Date.now()}.db`);
        const port = freePort();
        const shop = startTs(database.endsWith('-before') && BEFORE_SHOP ? BEFORE_SHOP : SHOP, {
          DATABASE_URL: db ? db.url : `sqlite:${file}`, PORT: String(port), WORKERS: '10', RATE_LIMIT_PER_MINUTE: '0',
          STRIPE_API_BASE: gw.down ? downUrl : gatewayUrl, LOG_LEVEL: 'warn', GATEWAY_PORT: '0',
          ...(POOL ? { DATABASE_POOL_SIZE: POOL } : {}),
        }, [], PROFILE ? [`--cpu-prof`, `--cpu-prof-dir=${PROFILE}`] : []);
        try {
          await waitHttp(`http://127.0.0.1:${port}/healthz`, shop);
          await load(`http://127.0.0.1:${port}/buy/field-guide`, pool, WARMUP);
          const before = pool.reused;
          const shopCpu0 = cpuMs(shop.pid);
          const gwCpu0 = cpuMs(gateway.pid);
          const io0 = ioOf(shop.pid);
          const where = db ? { url: db.url } : { file };
          const sales0 = await saleCounts(where);
          const dbCpu0 = await dbCpuMs(db?.name);
          const tracer = SYSCALLS
            ? spawn('perf', ['stat', '-x', ',', '-p', String(shop.pid), '-e', SYSCALL_NAMES.map((n) => `syscalls:sys_enter_${n}`).join(',')], { stdio: ['ignore', 'ignore', 'pipe'] })
            : null;
          const traced = tracer
            ? new Promise<string>((res) => {
                let out = '';
                tracer.stderr!.on('data', (d) => (out += d));
                tracer.on('close', () => res(out));
              })
            : null;
          const r = await load(`http://127.0.0.1:${port}/buy/field-guide`, pool);
          if (tracer) {
            tracer.kill('SIGINT');
            const counts = (await traced!).split('\n').map((l) => l.split(',')).filter((f) => f[2]?.startsWith('syscalls:sys_enter_'));
            console.log(`  system calls per request (${database}): ${counts.map((f) => `${f[2].replace('syscalls:sys_enter_', '')} ${(Number(f[0]) / r.requests.total).toFixed(2)}`).join(', ')}`);
          }
          const shopCpu = cpuMs(shop.pid);
          const gwCpu = cpuMs(gateway.pid);
          const io = ioOf(shop.pid);
          const sales = await saleCounts(where);
          const dbCpu = dbDelta(dbCpu0, await dbCpuMs(db?.name));
          rows.push({
            ...toRow('shop', database, gw.name, r, pool.reused - before), load1: loadavg()[0],
            shopCpuMsPerReq: shopCpu0 !== null && shopCpu !== null ? (shopCpu - shopCpu0) / r.requests.total : undefined,
            dbCpuMsPerReq: db ? dbCpu / r.requests.total : undefined,
            gatewayCpuMsPerReq: gwCpu0 !== null && gwCpu !== null ? (gwCpu - gwCpu0) / r.requests.total : undefined,
            shopBytesPerReq: io0 && io ? (io.bytes - io0.bytes) / r.requests.total : undefined,
            shopWritesPerReq: io0 && io ? (io.writes - io0.writes) / r.requests.total : undefined,
            settledPerSec: (sales.settled - sales0.settled) / r.duration,
            backlog: sales.waiting,
          });
          report(rows.at(-1)!);
        } catch (err) {
          console.error(`shop ${database} gateway ${gw.name} FAILED: ${(err as Error).message}`);
        } finally {
          await stop(shop, 500);
          await db?.drop();
          for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
        }
      }
    }
    for (const gw of BASELINE_ON ? GATEWAYS : []) {
      await setFaults(gatewayUrl, gw.latencyMs);
      const port = freePort();
      const base = startTs(BASELINE, { PORT: String(port), STRIPE_API_BASE: gw.down ? downUrl : gatewayUrl });
      try {
        await waitHttp(`http://127.0.0.1:${port}/healthz`, base);
        await load(`http://127.0.0.1:${port}/buy/field-guide`, pool, WARMUP);
        const before = pool.reused;
        const r = await load(`http://127.0.0.1:${port}/buy/field-guide`, pool);
        rows.push({ ...toRow('inline baseline', '–', gw.name, r, pool.reused - before), load1: loadavg()[0] });
        report(rows.at(-1)!);
      } finally {
        await stop(base, 500);
      }
    }
    await setFaults(gatewayUrl, 0);
  } finally {
    await stop(gateway, 1000);
  }
  console.log(`\n${markdownTable(['endpoint', 'database', 'gateway', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'], rows.map((r) => [r.target, r.database, r.gateway, fmt(r.requestsPerSec), fmt(r.p50, 1), fmt(r.p99, 1), r.non2xx, r.errors]))}\n`);
  // Same-run ratios: PostgreSQL's requests/s over SQLite's, row by row of each round.
  for (const gw of GATEWAYS) {
    const shop = rows.filter((r) => r.target === 'shop' && r.gateway === gw.name);
    const sq = shop.filter((r) => r.database === 'sqlite');
    for (const other of DATABASES.filter((d) => d !== 'sqlite')) {
      const pgr = shop.filter((r) => r.database === other);
      if (sq.length && pgr.length) {
        const ratios = pgr.map((r, i) => (r.requestsPerSec / sq[Math.min(i, sq.length - 1)].requestsPerSec).toFixed(2));
        console.log(`${other} / sqlite requests/s, gateway ${gw.name}: ${ratios.join(' / ')} (per round)`);
      }
    }
  }
  const reused = rows.reduce((n, r) => n + r.tokensReused, 0);
  const out = {
    benchmark: 'checkout', command: `npx tsx bench/checkout.ts ${process.argv.slice(2).join(' ')}`.trim(), machine, params: { duration: DURATION, connections: CONNECTIONS, tokens: TOKENS },
    note: `Shop: npm start's entry point with WORKERS=10 (the workers charge in the same process while the load runs), RATE_LIMIT_PER_MINUTE=0, LOG_LEVEL=warn; a fresh database per row. Gateway "down": nothing listens on its port. Inline baseline: no database. ${reused ? `${reused} requests ran out of pre-made tokens and sent tok_visa.` : 'Every request carried its own pre-made token.'}`,
    rows,
  };
  writeFileSync(join(HERE, 'results', `${flag('out', 'checkout')}.json`), `${JSON.stringify(out, null, 2)}\n`);
  await sleep(10);
}

function report(r: Row): void {
  console.log(`${r.target.padEnd(16)} ${r.database.padEnd(9)} gateway ${r.gateway.padEnd(5)} ${fmt(r.requestsPerSec)} req/s  settled ${r.settledPerSec !== undefined ? fmt(r.settledPerSec) : '–'}/s (backlog ${r.backlog ?? '–'})  p50 ${fmt(r.p50, 1)} ms  p99 ${fmt(r.p99, 1)} ms  non-2xx ${r.non2xx}  errors ${r.errors}  load ${r.load1?.toFixed(2)}  CPU/req shop ${r.shopCpuMsPerReq?.toFixed(3) ?? '–'} ms db ${r.dbCpuMsPerReq?.toFixed(3) ?? '–'} ms gateway ${r.gatewayCpuMsPerReq?.toFixed(3) ?? '–'} ms  shop writes ${r.shopBytesPerReq !== undefined ? fmt(r.shopBytesPerReq) : '–'} B in ${r.shopWritesPerReq?.toFixed(1) ?? '–'} calls /req`);
  if (r.tokensReused) console.log(`  ^ NOT COMPARABLE: ${r.tokensReused} requests ran out of pre-made tokens and were answered from an existing sale (rerun with a larger --tokens)`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
