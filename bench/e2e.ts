/**
 * End to end: `npx tsx bench/e2e.ts` (part of `npm run bench`). Sales per second from POST /buy
 * to the sale's state `finished`, with the gateway answering every call after 200 ms, against the
 * bound W×C/0.2 s (W worker processes of concurrency C can hold at most W×C charges in flight).
 * N sales are posted at once (20 HTTP callers, each sale with its own pre-made token); a poller
 * reads the sales table every 25 ms and notes when each sale is first seen finished. Rate =
 * N / (last finished − first POST). Writes bench/results/e2e.json.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestToken } from '@errand/gateway';
import Database from 'better-sqlite3';
import pg from 'pg';
import { dropStaleDatabases, freshDatabase } from './lib/env.js';
import { freePort, startTs, stop, waitHttp } from './lib/procs.js';
import { fmt, percentile, sleep } from './lib/stats.js';
import { markdownTable } from './lib/table.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const SHOP = join(ROOT, 'apps/shop/src/main.ts');
const WORKER = join(ROOT, 'apps/shop/src/worker-main.ts');
const GATEWAY_CLI = join(ROOT, 'packages/gateway/src/cli.ts');
const GATEWAY_MS = 200;

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const SALES = Number(flag('sales', '1000'));

interface Setup {
  database: 'sqlite' | 'postgres';
  workers: number;
  concurrency: number;
}
const SETUPS: Setup[] = [
  { database: 'sqlite', workers: 1, concurrency: 20 },
  { database: 'postgres', workers: 1, concurrency: 20 },
  { database: 'postgres', workers: 2, concurrency: 10 },
];

interface Row extends Setup {
  gatewayMs: number;
  sales: number;
  finished: number;
  salesPerSec: number;
  bound: number;
  p50: number;
  p99: number;
  postSeconds: number;
}

async function runSetup(s: Setup, gatewayUrl: string, tokens: string[]): Promise<Row> {
  const db = s.database === 'postgres' ? await freshDatabase('e2e') : null;
  const file = join(tmpdir(), `bench_e2e_${process.pid}_${Date.now()}.db`);
  const url = db ? db.url : `sqlite:${file}`;
  const port = freePort();
  // W = 1: the workers run inside the shop process (npm start); W > 1: npm run worker processes.
  const common = { DATABASE_URL: url, STRIPE_API_BASE: gatewayUrl, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', GATEWAY_PORT: '0' };
  const shop = startTs(SHOP, { ...common, PORT: String(port), WORKERS: s.workers === 1 ? String(s.concurrency) : '0' });
  const workers = [];
  try {
    await waitHttp(`http://127.0.0.1:${port}/healthz`, shop);
    if (s.workers > 1) for (let w = 0; w < s.workers; w++) workers.push(startTs(WORKER, { ...common, WORKER_QUEUES: `payments=${s.concurrency}` }));
    await sleep(s.workers > 1 ? 3000 : 500);
    const finishedOf = await finishedReader(s.database, db?.url ?? file);
    const posted = new Map<string, number>();
    const seen = new Map<string, number>();
    let i = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t = performance.now();
        for (const g of await finishedOf.read()) if (!seen.has(g)) seen.set(g, t);
        if (seen.size >= SALES) break;
        await sleep(25);
      }
    })();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (i < SALES) {
          const k = i++;
          const t = performance.now();
          const res = await fetch(`http://127.0.0.1:${port}/buy/field-guide`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ stripeToken: tokens[k], email: `e2e${k}@example.com` }),
          });
          const body = (await res.json()) as { guid?: string };
          if (!res.ok || !body.guid) throw new Error(`POST /buy answered ${res.status}: ${JSON.stringify(body)}`);
          posted.set(body.guid, t);
        }
      }),
    );
    const postSeconds = (performance.now() - t0) / 1000;
    const deadline = performance.now() + 120_000;
    while (seen.size < SALES && performance.now() < deadline) await sleep(50);
    polling = false;
    await poller;
    await finishedOf.close();
    const ends = [...seen.values()];
    const last = Math.max(...ends);
    const lat = [...seen.entries()].map(([g, t]) => t - (posted.get(g) ?? t0));
    const bound = (s.workers * s.concurrency) / (GATEWAY_MS / 1000);
    return {
      ...s, gatewayMs: GATEWAY_MS, sales: SALES, finished: seen.size, salesPerSec: (seen.size / (last - t0)) * 1000, bound,
      p50: percentile(lat, 50), p99: percentile(lat, 99), postSeconds,
    };
  } finally {
    await Promise.all(workers.map((w) => stop(w, 1000)));
    await stop(shop, 1000);
    await db?.drop();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  }
}

async function finishedReader(kind: 'sqlite' | 'postgres', where: string): Promise<{ read: () => Promise<string[]>; close: () => Promise<void> }> {
  if (kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: where, max: 1 });
    pool.on('error', () => {});
    return { read: async () => (await pool.query(`SELECT guid FROM sales WHERE state = 'finished'`)).rows.map((r) => r.guid), close: () => pool.end() };
  }
  const sqlite = new Database(where, { readonly: true, fileMustExist: true });
  const stmt = sqlite.prepare(`SELECT guid FROM sales WHERE state = 'finished'`).pluck();
  return { read: async () => stmt.all() as string[], close: async () => void sqlite.close() };
}

async function main(): Promise<void> {
  await dropStaleDatabases();
  const gwPort = freePort();
  const gatewayUrl = `http://127.0.0.1:${gwPort}`;
  const gateway = startTs(GATEWAY_CLI, { GATEWAY_PORT: String(gwPort) }, ['--quiet']);
  const rows: Row[] = [];
  try {
    await waitHttp(`${gatewayUrl}/_control/health`, gateway);
    for (const s of SETUPS) {
      const tokens = await Promise.all(Array.from({ length: SALES }, () => createTestToken(gatewayUrl)));
      await fetch(`${gatewayUrl}/_control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: GATEWAY_MS }) });
      try {
        const r = await runSetup(s, gatewayUrl, tokens);
        rows.push(r);
        console.log(`${r.database} W=${r.workers} C=${r.concurrency}: ${fmt(r.salesPerSec)} sales/s of bound ${fmt(r.bound)} (${fmt((100 * r.salesPerSec) / r.bound, 0)}%), POST→finished p50 ${fmt(r.p50)} ms p99 ${fmt(r.p99)} ms, ${r.finished}/${r.sales} finished`);
      } catch (err) {
        console.error(`${s.database} W=${s.workers} C=${s.concurrency} FAILED: ${(err as Error).message}`);
      }
      await fetch(`${gatewayUrl}/_control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 0 }) });
    }
  } finally {
    await stop(gateway, 1000);
  }
  console.log(`\n${markdownTable(['database', 'W', 'C', 'sales/s', 'bound', '%', 'p50 ms', 'p99 ms'], rows.map((r) => [r.database, r.workers, r.concurrency, fmt(r.salesPerSec), fmt(r.bound), fmt((100 * r.salesPerSec) / r.bound, 0), fmt(r.p50), fmt(r.p99)]))}\n`);
  const out = {
    benchmark: 'e2e', command: 'npx tsx bench/e2e.ts', rows,
    note: `${SALES} sales posted at once by 20 HTTP callers; gateway latency ${GATEWAY_MS} ms on every call; W=1 runs the workers inside the shop process (npm start, WORKERS=C), W>1 runs npm run worker processes (WORKER_QUEUES=payments=C) beside a web-only shop (WORKERS=0).`,
  };
  writeFileSync(join(HERE, 'results/e2e.json'), `${JSON.stringify(out, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
