/**
 * One chaos round: the shop's web process and N worker processes on one database, the local
 * gateway (in this process) failing on purpose, purchases at a steady rate, workers killed with
 * SIGKILL and started again, PostgreSQL (a private cluster) restarted once in the middle; then
 * wait for everything to settle and check the sales against the gateway's ledger.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestToken, type Faults, type Gateway, startGateway } from '@errand/gateway';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type JobRow, type SaleRow, checkInvariants, isNextReconcileTick } from './checks.js';
import { scanFiles, type ScanResult } from './log-scan.js';
import { type PrivatePostgres, startPrivatePostgres } from './private-postgres.js';
import { type ShopProcess, startWeb, startWorker } from './processes.js';

export type ChaosDb = 'postgres' | 'sqlite';

export interface ChaosOptions {
  db: ChaosDb;
  purchases: number;
  /** Purchases per second, spread evenly. */
  rate: number;
  workers: number;
  /** A worker is killed (SIGKILL) this often while purchases are coming in, then started again. */
  killEveryMs: number;
  seed: number;
  /** Restart the private PostgreSQL once, half way through the purchases. Default true on postgres. */
  restartPostgres?: boolean;
  /** payments-queue concurrency per worker process. Default 10. */
  concurrency?: number;
  /** STRIPE_TIMEOUT_MS: a "hang" turns into a timeout after this long. Default 1500. */
  stripeTimeoutMs?: number;
  /** CHARGE_BACKOFF_MS. Default 100 (100 ms, 200 ms, 400 ms … per retry). */
  backoffMs?: number;
  /** Give up waiting for the sales to settle after this long (a violation). Default 240 s. */
  drainTimeoutMs?: number;
  /** Default: 10% 500s, 5% 429s, 5% hangs, 5% resets, 5% lost responses. */
  faults?: Partial<Faults>;
  /** Share of purchases made with a decline card. Default 0.15. */
  declineShare?: number;
  /** Where the children's logs go. Default: a new temp directory (kept: its path is in the result). */
  logDir?: string;
  /** Progress lines. Default: none. */
  progress?: (line: string) => void;
}

export const DEFAULT_FAULTS: Partial<Faults> = { error500: 0.1, error429: 0.05, hang: 0.05, reset: 0.05, lostResponse: 0.05 };
const OK_CARD = '4242424242424242';
const DECLINE_CARDS = ['4000000000000002', '4000000000009995', '4000000000000341'];
const PRODUCTS = ['field-guide', 'retry-poster', 'idempotency-stickers'];

export interface ChaosResult {
  db: ChaosDb;
  seed: number;
  purchases: number;
  rate: number;
  workers: number;
  /** Web answers to POST /buy: by status, or `error` (no answer: connection refused, timeout). */
  answers: Record<string, number>;
  sales: { total: number; finished: number; errored: number; other: number };
  charges: { succeeded: number; failed: number; total: number };
  kills: number;
  workerStarts: number;
  postgresRestarts: number;
  /** Charge attempts after the first, over every job. */
  retries: number;
  /** Attempts ended by a lease running out (a killed worker's jobs, rescued). */
  rescued: number;
  /** Gateway requests that were failed on purpose, by fault. */
  faultsInjected: Record<string, number>;
  declines: number;
  /** From the last purchase's answer to every sale settled and no job waiting. */
  drainMs: number;
  durationMs: number;
  logScan: { files: number; lines: number; leaks: number };
  shutdownExitCodes: Record<string, number | string>;
  violations: string[];
  logDir: string;
}

/** mulberry32, seeded: the same seed picks the same cards and the same workers to kill. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Db {
  sales(): Promise<SaleRow[]>;
  jobs(): Promise<JobRow[]>;
  close(): Promise<void>;
}

function openReader(kind: ChaosDb, url: string): Db {
  if (kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('error', () => {});
    return {
      sales: async () => (await pool.query('SELECT guid, state, charge_id, amount FROM sales')).rows.map((r) => ({ ...r, amount: Number(r.amount) })),
      jobs: async () => (await pool.query('SELECT id, name, state, attempt, errors, payload FROM errand_jobs')).rows.map((r) => ({ ...r, id: Number(r.id) })),
      close: () => pool.end(),
    };
  }
  const file = url.replace(/^sqlite:/, '');
  const db = new Database(file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return {
    sales: async () => db.prepare('SELECT guid, state, charge_id, amount FROM sales').all() as SaleRow[],
    jobs: async () =>
      (db.prepare('SELECT id, name, state, attempt, errors, payload FROM errand_jobs').all() as any[]).map((r) => ({
        ...r,
        errors: typeof r.errors === 'string' ? JSON.parse(r.errors) : r.errors,
        payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
      })),
    close: async () => {
      db.close();
    },
  };
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const t0 = Date.now();
  const say = o.progress ?? (() => {});
  const random = rng(o.seed);
  const logDir = o.logDir ?? mkdtempSync(join(tmpdir(), `errand-chaos-${o.db}-`));
  mkdirSync(logDir, { recursive: true });
  const restartPg = o.db === 'postgres' && (o.restartPostgres ?? true);
  const violations: string[] = [];
  const faultsInjected: Record<string, number> = {};
  let declines = 0;

  let privatePg: PrivatePostgres | null = null;
  let sqliteDir: string | null = null;
  let gateway: Gateway | null = null;
  let web: ShopProcess | null = null;
  const workers: (ShopProcess | null)[] = [];
  let reader: Db | null = null;
  let stopping = false;

  try {
    // 1. The database.
    let databaseUrl: string;
    if (o.db === 'postgres') {
      say('starting a private PostgreSQL cluster…');
      privatePg = await startPrivatePostgres();
      databaseUrl = privatePg.url;
    } else {
      sqliteDir = mkdtempSync(join(tmpdir(), 'errand-chaos-sqlite-'));
      databaseUrl = `sqlite:${join(sqliteDir, 'shop.db')}`;
    }

    // 2. The gateway, in process (its ledger is the truth we check against). No faults yet.
    gateway = await startGateway({
      port: 0,
      seed: o.seed,
      log: (line) => {
        const fault = / fault:([a-z0-9-]+)/.exec(line);
        if (fault) faultsInjected[fault[1]] = (faultsInjected[fault[1]] ?? 0) + 1;
        if (/^POST \/v1\/(charges|payment_intents\S*) 402 /.test(line)) declines++;
      },
    });

    // 3. Card tokens for every purchase, made before any fault is on.
    say(`creating ${o.purchases} card tokens…`);
    const declineShare = o.declineShare ?? 0.15;
    const cards = Array.from({ length: o.purchases }, () => (random() < declineShare ? DECLINE_CARDS[Math.floor(random() * DECLINE_CARDS.length)] : OK_CARD));
    const tokens: string[] = new Array(o.purchases);
    for (let i = 0; i < o.purchases; i += 50) {
      await Promise.all(cards.slice(i, i + 50).map(async (card, j) => (tokens[i + j] = await createTestToken(gateway!.url, card))));
    }

    // 4. The processes: web (migrates, seeds the products), then the workers.
    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      STRIPE_API_BASE: gateway.url,
      STRIPE_TIMEOUT_MS: String(o.stripeTimeoutMs ?? 1500),
      CHARGE_BACKOFF_MS: String(o.backoffMs ?? 100),
      CHARGE_MAX_ATTEMPTS: '8',
      RATE_LIMIT_PER_MINUTE: '0',
      ERRAND_CONSOLE_PASSWORD: 'chaos-console-password',
      WORKER_QUEUES: `payments=${o.concurrency ?? 10}`,
    };
    say('starting the web process…');
    const started = await startWeb(env, join(logDir, 'web.log'));
    web = started.web;
    const webUrl = started.url;
    let workerStarts = 0;
    const spawnWorker = async (slot: number): Promise<ShopProcess> => {
      // A worker started while PostgreSQL restarts fails to migrate and exits: try again.
      for (let tries = 1; ; tries++) {
        try {
          const w = await startWorker(`worker-${slot}`, env, join(logDir, `worker-${slot}.log`));
          workerStarts++;
          return w;
        } catch (err) {
          if (tries >= 10 || stopping) throw err;
          await sleep(500);
        }
      }
    };
    say(`starting ${o.workers} worker processes…`);
    workers.push(...(await Promise.all(Array.from({ length: o.workers }, (_, i) => spawnWorker(i)))));

    // 5. Faults on; purchases at a steady rate; kills and the PostgreSQL restart meanwhile.
    gateway.setFaults({ ...(o.faults ?? DEFAULT_FAULTS), seed: o.seed });
    const answers: Record<string, number> = {};
    const okGuids: string[] = [];
    let purchasesDone = false;
    let kills = 0;
    let postgresRestarts = 0;
    let lastAnswerAt = 0;

    const buy = async (i: number): Promise<void> => {
      let key: string;
      try {
        const res = await fetch(`${webUrl}/buy/${PRODUCTS[i % PRODUCTS.length]}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ stripeToken: tokens[i], email: `chaos+${i}@example.com` }),
          signal: AbortSignal.timeout(20_000),
        });
        key = String(res.status);
        const body = (await res.json().catch(() => ({}))) as { guid?: string };
        if (res.status === 200) {
          if (typeof body.guid === 'string') okGuids.push(body.guid);
          else violations.push(`purchase ${i}: 200 without a guid`);
        }
      } catch {
        key = 'error';
      }
      answers[key] = (answers[key] ?? 0) + 1;
      lastAnswerAt = Date.now();
    };

    // The kill clock does not wait for restarts: every killEveryMs one live worker is SIGKILLed
    // and a replacement is started in the background (it takes a few seconds to boot).
    const restarts: Promise<void>[] = [];
    const killer = (async () => {
      while (!purchasesDone) {
        await sleep(o.killEveryMs);
        if (purchasesDone) break;
        const live = workers.map((w, slot) => (w ? slot : -1)).filter((slot) => slot >= 0);
        if (live.length === 0) continue;
        const slot = live[Math.floor(random() * live.length)];
        const victim = workers[slot]!;
        workers[slot] = null;
        victim.kill('SIGKILL');
        kills++;
        say(`killed worker-${slot} (pid ${victim.pid}) with SIGKILL; starting it again`);
        restarts.push(
          victim.exited.then(async () => {
            workers[slot] = await spawnWorker(slot);
          }),
        );
      }
      await Promise.all(restarts);
    })();

    say(`buying ${o.purchases} at ${o.rate}/s…`);
    const interval = 1000 / o.rate;
    const inFlight: Promise<void>[] = [];
    const buyStart = Date.now();
    let pgRestart: Promise<void> | null = null;
    for (let i = 0; i < o.purchases; i++) {
      const due = buyStart + i * interval;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      inFlight.push(buy(i));
      if (restartPg && i === Math.floor(o.purchases / 2)) {
        say('restarting PostgreSQL (pg_ctl stop -m fast, start)…');
        pgRestart = privatePg!.restart().then(() => {
          postgresRestarts++;
          say('PostgreSQL is back');
        });
      }
    }
    await Promise.all(inFlight);
    await pgRestart;
    purchasesDone = true;
    await killer;
    const purchasesEnd = lastAnswerAt || Date.now();
    say(`purchases answered: ${JSON.stringify(answers)}; waiting for every sale to settle…`);

    // 6. Wait until every sale is finished or errored and no job waits or runs.
    reader = openReader(o.db, databaseUrl);
    const drainDeadline = Date.now() + (o.drainTimeoutMs ?? 240_000);
    let sales: SaleRow[] = [];
    let jobs: JobRow[] = [];
    let settledAt = 0;
    let lastReport = 0;
    for (;;) {
      try {
        sales = await reader.sales();
        jobs = await reader.jobs();
      } catch {
        await sleep(250);
        continue;
      }
      const openSales = sales.filter((s) => s.state !== 'finished' && s.state !== 'errored').length;
      const openJobs = jobs.filter((j) => j.state !== 'completed' && j.state !== 'dead' && !isNextReconcileTick(j)).length;
      if (openSales === 0 && openJobs === 0) {
        settledAt = Date.now();
        break;
      }
      if (Date.now() > drainDeadline) {
        violations.push(`not settled after ${o.drainTimeoutMs ?? 240_000} ms: ${openSales} sales not finished/errored, ${openJobs} jobs not completed/dead`);
        break;
      }
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        say(`  ${openSales} sales and ${openJobs} jobs still open`);
      }
      await sleep(250);
    }
    const drainMs = settledAt ? Math.max(0, settledAt - purchasesEnd) : -1;

    // 7. The checks.
    const ledger = gateway.ledger();
    violations.push(...checkInvariants({ sales, jobs, ledger, okGuids }));

    // 8. Graceful stop of every process: SIGTERM, exit code 0 expected.
    stopping = true;
    const shutdownExitCodes: Record<string, number | string> = {};
    const all = [web, ...workers].filter((p): p is ShopProcess => p !== null);
    await Promise.all(
      all.map(async (p) => {
        p.kill('SIGTERM');
        const code = await Promise.race([p.exited, sleep(30_000).then(() => 'timeout' as const)]);
        shutdownExitCodes[p.name] = code;
        if (code !== 0) violations.push(`${p.name} exited with ${code} on SIGTERM (expected 0)`);
      }),
    );
    web = null;
    workers.length = 0;

    // 9. No secret in any log.
    const logFiles = readdirSync(logDir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => join(logDir, f));
    const scan: ScanResult = scanFiles(logFiles, [OK_CARD, ...DECLINE_CARDS]);
    for (const leak of scan.leaks.slice(0, 20)) violations.push(`secret in a log: ${leak.kind} ${leak.masked} at ${leak.file}:${leak.line}`);
    if (scan.leaks.length > 20) violations.push(`… and ${scan.leaks.length - 20} more secrets in the logs`);

    const succeeded = ledger.filter((c) => c.status === 'succeeded').length;
    return {
      db: o.db,
      seed: o.seed,
      purchases: o.purchases,
      rate: o.rate,
      workers: o.workers,
      answers,
      sales: {
        total: sales.length,
        finished: sales.filter((s) => s.state === 'finished').length,
        errored: sales.filter((s) => s.state === 'errored').length,
        other: sales.filter((s) => s.state !== 'finished' && s.state !== 'errored').length,
      },
      charges: { succeeded, failed: ledger.length - succeeded, total: ledger.length },
      kills,
      workerStarts,
      postgresRestarts,
      retries: jobs.reduce((n, j) => n + Math.max(0, Number(j.attempt) - 1), 0),
      rescued: jobs.reduce((n, j) => n + (Array.isArray(j.errors) ? j.errors.filter((e: { kind?: string }) => e.kind === 'lease_expired').length : 0), 0),
      faultsInjected,
      declines,
      drainMs,
      durationMs: Date.now() - t0,
      logScan: { files: scan.files, lines: scan.lines, leaks: scan.leaks.length },
      shutdownExitCodes,
      violations,
      logDir,
    };
  } finally {
    stopping = true;
    for (const p of [web, ...workers]) p?.kill('SIGKILL');
    await Promise.all([web, ...workers].map((p) => p?.exited));
    await reader?.close().catch(() => {});
    await gateway?.close().catch(() => {});
    await privatePg?.stop().catch(() => {});
    if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
  }
}
