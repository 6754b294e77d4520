/**
 * One chaos round: the shop's web process and N worker processes on one database, the local
 * gateway (in this process) failing on purpose, purchases at a steady rate — good cards, decline
 * cards and 3-D Secure cards whose "customers" complete, fail or abandon the challenge through
 * the gateway's control route — signed webhooks to the shop with delivery faults (duplicate,
 * reorder, delay, drop-then-redeliver), refunds and disputes opened "from the dashboard" (the
 * gateway's control routes) meanwhile, workers killed with SIGKILL and started again, PostgreSQL
 * (a private cluster) crashed and started again once in the middle; then wait for everything to settle and check
 * the sales against the gateway's ledger and event log.
 *
 * `redis`: the sales in a SQLite file and the jobs in a private Redis (AOF, appendfsync everysec;
 * JOBS_URL), so every checkout goes through the engine's outbox in the SQLite file; that Redis is
 * SIGKILLed and started again on its AOF once in the middle instead of PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestToken, type EventLogEntry, type Faults, type Gateway, startGateway } from '@errand/gateway';
import Database from 'better-sqlite3';
import { createErrand, type Errand, JOB_STATES } from 'errand';
import pg from 'pg';
import pino from 'pino';
import { type Expectation, type JobRow, type SaleRow, checkInvariants, isNextReconcileTick } from './checks.js';
import { scanFiles, type ScanResult } from './log-scan.js';
import { type PrivatePostgres, startPrivatePostgres } from './private-postgres.js';
import { type PrivateRedis, startPrivateRedis } from './private-redis.js';
import { type ShopProcess, startWeb, startWorker } from './processes.js';

/** Where the sales and the jobs live: PostgreSQL, a SQLite file, or sales in SQLite and jobs in Redis. */
export type ChaosDb = 'postgres' | 'sqlite' | 'redis';

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
  /** SIGKILL and restart the private Redis once, half way through the purchases. Default true on redis. */
  restartRedis?: boolean;
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
  /** Share of purchases made with a 3-D Secure card (3184, 3155, 3178 in turn). Default 0.2. */
  threeDSShare?: number;
  /** Of the 3-D Secure purchases: shares whose customer fails, or never answers, the challenge (the rest complete it). Default 0.2 and 0.05. */
  challengeFailShare?: number;
  challengeAbandonShare?: number;
  /** CHALLENGE_WINDOW_MS: an unanswered challenge is abandoned after this long. Default 10 s. */
  challengeWindowMs?: number;
  /** Webhook delivery faults. Default: 10% duplicated, 10% reordered, 10% dropped then redelivered, the rest delayed U[0, 1.5 s). */
  webhookFaults?: Partial<Faults>;
  /** Per purchase, the chance that the "dashboard" refunds or disputes (3:2) a succeeded charge meanwhile. Default 0.05. */
  dashboardShare?: number;
  /** Where the children's logs go. Default: a new temp directory (kept: its path is in the result). */
  logDir?: string;
  /** Progress lines. Default: none. */
  progress?: (line: string) => void;
}

export const DEFAULT_FAULTS: Partial<Faults> = { error500: 0.1, error429: 0.05, hang: 0.05, reset: 0.05, lostResponse: 0.05 };
export const DEFAULT_WEBHOOK_FAULTS: Partial<Faults> = { webhookDuplicate: 0.1, webhookReorder: 0.1, webhookDrop: 0.1, webhookDelayMs: 1500 };
const OK_CARD = '4242424242424242';
const DECLINE_CARDS = ['4000000000000002', '4000000000009995', '4000000000000341'];
/** Always authenticate, authentication required, authenticates then insufficient funds. */
const THREE_DS_CARDS = ['4000002760003184', '4000002500003155', '4000008260003178'];
const DECLINED_AFTER_AUTH = '4000008260003178';

type Answer = 'complete' | 'fail' | 'abandon';

/** One purchase of the plan: its card, how it reaches the shop, its customer's answer, what it must end as. */
interface Purchase {
  card: string;
  /** A PaymentMethod (the checkout page's way) or a card token (the seed's form). */
  via: 'pm' | 'token';
  answer: Answer | null;
  expect: Expectation;
}
const PRODUCTS = ['field-guide', 'retry-poster', 'idempotency-stickers'];

export interface ChaosResult {
  db: ChaosDb;
  seed: number;
  purchases: number;
  rate: number;
  workers: number;
  /** Web answers to POST /buy: by status, or `error` (no answer: connection refused, timeout). */
  answers: Record<string, number>;
  sales: { total: number; finished: number; errored: number; refunded: number; disputed: number; other: number };
  /** 3-D Secure purchases, and what their customers did with the challenge (through POST /_control/3ds/:pi/…). */
  threeDS: { purchases: number; completed: number; failed: number; abandoned: number; tooLate: number };
  /** Refunds and disputes opened "from the dashboard" (POST /_control/refunds, /_control/disputes) during the run. */
  dashboard: { refunds: number; disputes: number };
  /** Webhook events the gateway sent the shop, their delivery attempts, and the delivery faults met. */
  webhooks: { events: number; attempts: number; faults: Record<string, number> };
  charges: { succeeded: number; failed: number; total: number };
  kills: number;
  workerStarts: number;
  postgresRestarts: number;
  /** Restarts of the private Redis (SIGKILL, then start on its AOF). */
  redisRestarts: number;
  /** Committed outbox rows never relayed to the jobs database (redis; a violation when not 0). */
  outboxLeft: number;
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

/** A card's PaymentMethod, made as Stripe.js makes it (POST /v1/payment_methods with the publishable key). */
async function createPaymentMethod(gatewayUrl: string, card: string): Promise<string> {
  const body = new URLSearchParams({
    type: 'card',
    'card[number]': card,
    'card[exp_month]': '12',
    'card[exp_year]': String(new Date().getUTCFullYear() + 3),
    'card[cvc]': '123',
  });
  const res = await fetch(`${gatewayUrl}/v1/payment_methods`, {
    method: 'POST',
    headers: { Authorization: 'Bearer pk_test_errand', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
  const json = (await res.json()) as { id?: string; error?: { message: string } };
  if (!res.ok || !json.id) throw new Error(`createPaymentMethod failed (${res.status}): ${json.error?.message ?? ''}`);
  return json.id;
}

/** The purchase plan, drawn from the seeded source. */
function planPurchases(o: ChaosOptions, random: () => number): Purchase[] {
  const declineShare = o.declineShare ?? 0.15;
  const threeDSShare = o.threeDSShare ?? 0.2;
  const failShare = o.challengeFailShare ?? 0.2;
  const abandonShare = o.challengeAbandonShare ?? 0.05;
  let nextThreeDS = 0;
  return Array.from({ length: o.purchases }, (): Purchase => {
    const r = random();
    const via: Purchase['via'] = random() < 0.5 ? 'pm' : 'token';
    if (r < declineShare) {
      const card = DECLINE_CARDS[Math.floor(random() * DECLINE_CARDS.length)];
      return { card, via, answer: null, expect: { state: 'errored', threeDSecure: null, why: `${card}, a decline` } };
    }
    if (r < declineShare + threeDSShare) {
      const card = THREE_DS_CARDS[nextThreeDS++ % THREE_DS_CARDS.length];
      const a = random();
      const answer: Answer = a < failShare ? 'fail' : a < failShare + abandonShare ? 'abandon' : 'complete';
      const why = `${card} + ${answer}`;
      if (answer === 'fail') return { card, via: 'pm', answer, expect: { state: 'errored', threeDSecure: 'failed', why } };
      if (answer === 'abandon') return { card, via: 'pm', answer, expect: { state: 'errored', threeDSecure: 'abandoned', why } };
      return { card, via: 'pm', answer, expect: { state: card === DECLINED_AFTER_AUTH ? 'errored' : 'finished', threeDSecure: 'authenticated', why } };
    }
    return { card: OK_CARD, via, answer: null, expect: { state: 'finished', threeDSecure: null, why: `${OK_CARD}` } };
  });
}

interface Db {
  sales(): Promise<SaleRow[]>;
  jobs(): Promise<JobRow[]>;
  /** Committed outbox rows not relayed yet (0 where the jobs live beside the sales). */
  outbox(): Promise<number>;
  close(): Promise<void>;
}

const SALES_QUERY = 'SELECT guid, state, charge_id, amount, error_code, three_d_secure, disputed FROM sales';
/** Every job, unfinished (errand_jobs) or finished (errand_jobs_history). */
const JOBS_QUERY = 'SELECT id, name, state, attempt, errors, payload FROM errand_jobs UNION ALL SELECT id, name, state, attempt, errors, payload FROM errand_jobs_history';

/** Every job of a jobs database the run cannot read with SQL (Redis), through the engine's admin API. */
async function allJobs(errand: Errand): Promise<JobRow[]> {
  const out: JobRow[] = [];
  for (const state of JOB_STATES) {
    let cursor: string | null = null;
    do {
      const page = await errand.admin.listJobs({ state, limit: 500, cursor });
      for (const j of page.jobs) out.push({ id: j.id, name: j.name, state: j.state, attempt: j.attempt, errors: j.errors, payload: j.payload });
      cursor = page.next;
    } while (cursor !== null);
  }
  return out;
}

async function openReader(kind: ChaosDb, url: string, jobsUrl: string | null): Promise<Db> {
  if (kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('error', () => {});
    return {
      sales: async () => (await pool.query(SALES_QUERY)).rows.map((r) => ({ ...r, amount: Number(r.amount), disputed: r.disputed === true })),
      jobs: async () => (await pool.query(JOBS_QUERY)).rows.map((r) => ({ ...r, id: Number(r.id) })),
      outbox: async () => 0,
      close: () => pool.end(),
    };
  }
  const file = url.replace(/^sqlite:/, '');
  const db = new Database(file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const sales = async () => (db.prepare(SALES_QUERY).all() as (Omit<SaleRow, 'disputed'> & { disputed: number })[]).map((r) => ({ ...r, disputed: r.disputed === 1 }));
  if (jobsUrl !== null) {
    // Sales (and the outbox) in the SQLite file, jobs in Redis.
    const jobs = await createErrand({ databaseUrl: jobsUrl, logger: pino({ level: 'silent' }), migrate: false });
    return {
      sales,
      jobs: () => allJobs(jobs),
      outbox: async () => (db.prepare('SELECT count(*) AS n FROM errand_outbox').get() as { n: number }).n,
      close: async () => {
        await jobs.close();
        db.close();
      },
    };
  }
  return {
    sales,
    jobs: async () =>
      (db.prepare(JOBS_QUERY).all() as any[]).map((r) => ({
        ...r,
        errors: typeof r.errors === 'string' ? JSON.parse(r.errors) : r.errors,
        payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
      })),
    outbox: async () => 0,
    close: async () => {
      db.close();
    },
  };
}

function webhookFigures(events: EventLogEntry[]): ChaosResult['webhooks'] {
  const faults: Record<string, number> = {};
  let attempts = 0;
  for (const e of events) {
    const seen = new Set<string>();
    for (const d of e.deliveries) {
      attempts++;
      if (d.fault && !seen.has(d.fault)) {
        seen.add(d.fault);
        faults[d.fault] = (faults[d.fault] ?? 0) + 1;
      }
    }
  }
  return { events: events.filter((e) => e.url !== null).length, attempts, faults };
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const t0 = Date.now();
  const say = o.progress ?? (() => {});
  const random = rng(o.seed);
  const logDir = o.logDir ?? mkdtempSync(join(tmpdir(), `errand-chaos-${o.db}-`));
  mkdirSync(logDir, { recursive: true });
  const restartPg = o.db === 'postgres' && (o.restartPostgres ?? true);
  const restartRedis = o.db === 'redis' && (o.restartRedis ?? true);
  const violations: string[] = [];
  const faultsInjected: Record<string, number> = {};
  let declines = 0;

  let privatePg: PrivatePostgres | null = null;
  let privateRedis: PrivateRedis | null = null;
  let sqliteDir: string | null = null;
  let gateway: Gateway | null = null;
  let web: ShopProcess | null = null;
  const workers: (ShopProcess | null)[] = [];
  let reader: Db | null = null;
  let stopping = false;

  try {
    // 1. The database.
    let databaseUrl: string;
    let jobsUrl: string | null = null;
    if (o.db === 'postgres') {
      say('starting a private PostgreSQL cluster…');
      privatePg = await startPrivatePostgres();
      databaseUrl = privatePg.url;
    } else {
      sqliteDir = mkdtempSync(join(tmpdir(), 'errand-chaos-sqlite-'));
      databaseUrl = `sqlite:${join(sqliteDir, 'shop.db')}`;
    }
    if (o.db === 'redis') {
      say('starting a private redis-server (AOF, appendfsync everysec)…');
      privateRedis = await startPrivateRedis();
      jobsUrl = privateRedis.url;
    }

    // 2. The gateway, in process (its ledger is the truth we check against). No faults yet.
    gateway = await startGateway({
      port: 0,
      seed: o.seed,
      // Webhook retries start at 250 ms (doubling): a delivery refused during the PostgreSQL restart comes back soon.
      webhookRetryMs: 250,
      log: (line) => {
        const fault = / fault:([a-z0-9-]+)/.exec(line);
        if (fault) faultsInjected[fault[1]] = (faultsInjected[fault[1]] ?? 0) + 1;
        if (/^POST \/v1\/(charges|payment_intents\S*) 402 /.test(line)) declines++;
      },
    });

    // 3. A PaymentMethod or a card token for every purchase, made before any fault is on.
    const plan = planPurchases(o, random);
    say(`creating ${o.purchases} PaymentMethods and card tokens…`);
    const sources: string[] = new Array(o.purchases);
    for (let i = 0; i < o.purchases; i += 50) {
      await Promise.all(
        plan.slice(i, i + 50).map(async (p, j) => {
          sources[i + j] = p.via === 'pm' ? await createPaymentMethod(gateway!.url, p.card) : await createTestToken(gateway!.url, p.card);
        }),
      );
    }
    const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;

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
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      CHALLENGE_WINDOW_MS: String(o.challengeWindowMs ?? 10_000),
      ...(jobsUrl ? { JOBS_URL: jobsUrl } : {}),
    };
    say('starting the web process…');
    const started = await startWeb(env, join(logDir, 'web.log'));
    web = started.web;
    const webUrl = started.url;
    gateway.setWebhook(`${webUrl}/webhooks/stripe`, webhookSecret);
    let workerStarts = 0;
    const spawnWorker = async (slot: number): Promise<ShopProcess> => {
      // A worker started while PostgreSQL (or Redis) restarts fails to migrate and exits: try again.
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

    // 5. Faults on; purchases at a steady rate; challenges answered, dashboard refunds and
    //    disputes, kills and the PostgreSQL restart meanwhile.
    gateway.setFaults({ ...(o.faults ?? DEFAULT_FAULTS), ...(o.webhookFaults ?? DEFAULT_WEBHOOK_FAULTS), seed: o.seed });
    const gatewayUrl = gateway.url;
    const expected = new Map<string, Expectation>();
    const threeDS = { purchases: 0, completed: 0, failed: 0, abandoned: 0, tooLate: 0 };
    const dashboard = { refunds: 0, disputes: 0 };
    const customers: Promise<void>[] = [];
    const control = (path: string, body: unknown) =>
      fetch(`${gatewayUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });

    // The customer of a 3-D Secure purchase: polls GET /status/:guid as the checkout page does;
    // when it shows requires_action, answers the challenge at the gateway (as its buttons do) or walks away.
    const customer = async (i: number, guid: string): Promise<void> => {
      const p = plan[i];
      const giveUp = Date.now() + 120_000;
      while (Date.now() < giveUp && !stopping) {
        type Status = { status?: string; clientSecret?: string };
        let s: Status | null = null;
        try {
          const res = await fetch(`${webUrl}/status/${guid}`, { signal: AbortSignal.timeout(5_000) });
          if (res.ok) s = (await res.json()) as Status;
        } catch {
          // a blip (the PostgreSQL restart): poll again
        }
        if (s?.status === 'requires_action' && s.clientSecret) {
          if (p.answer === 'abandon') {
            threeDS.abandoned++;
            return;
          }
          await sleep(100 + Math.floor(random() * 900)); // reading the bank's page
          const paymentIntent = s.clientSecret.slice(0, s.clientSecret.indexOf('_secret_'));
          const res = await control(`/_control/3ds/${paymentIntent}/${p.answer}`, {});
          if (res.ok) {
            threeDS[p.answer === 'complete' ? 'completed' : 'failed']++;
            return;
          }
          const text = await res.text();
          if (res.status === 409 && /\(status canceled\)/.test(text)) {
            // The customer saw the challenge only after CHALLENGE_WINDOW_MS (a loaded machine's slow
            // polls): the shop had already abandoned it, as it must. That is what this sale must show.
            threeDS.tooLate++;
            expected.set(guid, { state: 'errored', threeDSecure: 'abandoned', why: `${p.expect.why}, answered after the challenge window` });
            return;
          }
          violations.push(`purchase ${i} (${p.expect.why}): answering the challenge of ${paymentIntent} got ${res.status} ${text}`);
          return;
        }
        if (s?.status === 'finished' || s?.status === 'error') return; // no challenge shown: the checks say whether that was right
        await sleep(300);
      }
    };

    // The merchant in the dashboard: refunds or disputes a succeeded charge it has not touched yet.
    const touched = new Set<string>();
    const fromDashboard = async (): Promise<void> => {
      const candidates = gateway!.ledger().filter((c) => c.status === 'succeeded' && c.amountRefunded === 0 && !c.disputed && !touched.has(c.id));
      if (candidates.length === 0) return;
      const charge = candidates[Math.floor(random() * candidates.length)];
      touched.add(charge.id);
      const refund = random() < 0.6;
      const res = await control(refund ? '/_control/refunds' : '/_control/disputes', { charge: charge.id });
      if (res.ok) dashboard[refund ? 'refunds' : 'disputes']++;
      else violations.push(`the dashboard's ${refund ? 'refund' : 'dispute'} of ${charge.id} got ${res.status} ${await res.text()}`);
    };
    const dashboardShare = o.dashboardShare ?? 0.05;

    const answers: Record<string, number> = {};
    const okGuids: string[] = [];
    let purchasesDone = false;
    let kills = 0;
    let postgresRestarts = 0;
    let redisRestarts = 0;
    let lastAnswerAt = 0;

    const buy = async (i: number): Promise<void> => {
      let key: string;
      try {
        const res = await fetch(`${webUrl}/buy/${PRODUCTS[i % PRODUCTS.length]}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ [plan[i].via === 'pm' ? 'paymentMethod' : 'stripeToken']: sources[i], email: `chaos+${i}@example.com` }),
          signal: AbortSignal.timeout(20_000),
        });
        key = String(res.status);
        const body = (await res.json().catch(() => ({}))) as { guid?: string };
        if (res.status === 200) {
          if (typeof body.guid === 'string') {
            okGuids.push(body.guid);
            expected.set(body.guid, plan[i].expect);
            if (plan[i].answer) {
              threeDS.purchases++;
              customers.push(customer(i, body.guid));
            }
          } else violations.push(`purchase ${i}: 200 without a guid`);
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
    let dbRestart: Promise<void> | null = null;
    for (let i = 0; i < o.purchases; i++) {
      const due = buyStart + i * interval;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      inFlight.push(buy(i));
      if (random() < dashboardShare) inFlight.push(fromDashboard());
      if (restartPg && i === Math.floor(o.purchases / 2)) {
        // A crash, not a clean stop: WAL not yet written goes with it, so what committed without
        // waiting for its flush (claims, the charge job's sale updates) is undone and redone.
        say('crashing PostgreSQL (pg_ctl stop -m immediate, start)…');
        dbRestart = privatePg!.crashRestart().then(() => {
          postgresRestarts++;
          say('PostgreSQL is back');
        });
      }
      if (restartRedis && i === Math.floor(o.purchases / 2)) {
        say('restarting Redis (SIGKILL, start on its AOF)…');
        dbRestart = privateRedis!.restart().then(() => {
          redisRestarts++;
          say('Redis is back');
        });
      }
    }
    await Promise.all(inFlight);
    await Promise.all(customers);
    await dbRestart;
    purchasesDone = true;
    await killer;
    const purchasesEnd = lastAnswerAt || Date.now();
    say(`purchases answered: ${JSON.stringify(answers)}; waiting for every sale to settle…`);

    // 6. Wait until every sale is finished, errored or refunded, every webhook event is
    //    delivered and no job waits or runs — seen twice in a row, 500 ms apart (a job that just
    //    ended may have made the gateway send one more event).
    reader = await openReader(o.db, databaseUrl, jobsUrl);
    const drainDeadline = Date.now() + (o.drainTimeoutMs ?? 240_000);
    let sales: SaleRow[] = [];
    let jobs: JobRow[] = [];
    let outboxLeft = 0;
    let settledAt = 0;
    let lastReport = 0;
    let quietPolls = 0;
    const undelivered = () => gateway!.events().filter((e) => e.url !== null && !e.delivered).length;
    for (;;) {
      const eventsBefore = undelivered();
      try {
        sales = await reader.sales();
        jobs = await reader.jobs();
        outboxLeft = await reader.outbox();
      } catch {
        await sleep(250);
        continue;
      }
      const openSales = sales.filter((s) => s.state !== 'finished' && s.state !== 'errored' && s.state !== 'refunded').length;
      // A committed outbox row not relayed yet is a job still to run.
      const openJobs = jobs.filter((j) => j.state !== 'completed' && j.state !== 'dead' && !isNextReconcileTick(j)).length + outboxLeft;
      const openEvents = Math.max(eventsBefore, undelivered());
      if (openSales === 0 && openJobs === 0 && openEvents === 0) {
        if (++quietPolls === 1) settledAt = Date.now();
        if (quietPolls >= 2) break;
        await sleep(500);
        continue;
      }
      quietPolls = 0;
      if (Date.now() > drainDeadline) {
        settledAt = 0;
        violations.push(
          `not settled after ${o.drainTimeoutMs ?? 240_000} ms: ${openSales} sales not finished/errored/refunded, ${openJobs} jobs not completed/dead, ${openEvents} webhook events not delivered`,
        );
        break;
      }
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        say(`  ${openSales} sales, ${openJobs} jobs and ${openEvents} webhook events still open`);
      }
      await sleep(250);
    }
    const drainMs = settledAt ? Math.max(0, settledAt - purchasesEnd) : -1;

    // 7. The checks.
    const ledger = gateway.ledger();
    const events = gateway.events();
    violations.push(...checkInvariants({ sales, jobs, ledger, okGuids, expected, events }));
    if (outboxLeft > 0) violations.push(`${outboxLeft} committed outbox rows were never relayed to the jobs database`);

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
    const scan: ScanResult = scanFiles(logFiles, [OK_CARD, ...DECLINE_CARDS, ...THREE_DS_CARDS]);
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
        refunded: sales.filter((s) => s.state === 'refunded').length,
        disputed: sales.filter((s) => s.disputed).length,
        other: sales.filter((s) => s.state !== 'finished' && s.state !== 'errored' && s.state !== 'refunded').length,
      },
      threeDS,
      dashboard,
      webhooks: webhookFigures(events),
      charges: { succeeded, failed: ledger.length - succeeded, total: ledger.length },
      kills,
      workerStarts,
      postgresRestarts,
      redisRestarts,
      outboxLeft,
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
    await privateRedis?.stop().catch(() => {});
    if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
  }
}
