/**
 * The sale state machine (guarded transitions) as a property over random sequences, on every
 * store; the console's SalesSource (keyset paging, search, counts); the config parser.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { type EnqueuedJob, openSqlite } from 'errand';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleSessionStore } from '../src/admin/session-store.js';
import { createTestDatabase, HAS_PG, testPool } from '../../../packages/engine/test/helpers/pg.js';
import { ConfigError, loadConfig, parseWorkerArgs, STRIPE_JS, stripeJsUrl } from '../src/config.js';
import { createLogger, wantsPretty } from '../src/log.js';
import { JOB_WRITES, SQL as PG_SQL, withoutFlush } from '../src/db/queries/postgres.js';
import { SQL as SQLITE_SQL } from '../src/db/queries/sqlite.js';
import { migratePostgres, migrateSqlite } from '../src/db/migrate.js';
import { PostgresStore } from '../src/db/postgres-store.js';
import { SqliteStore } from '../src/db/sqlite-store.js';
import type { TxEnqueue } from '../src/db/types.js';
import { createSalesSource } from '../src/sales/admin-source.js';
import { txEnqueue } from '../src/sales/enqueue.js';
import { newGuid } from '../src/sales/guid.js';
import { type SaleState, TRANSITIONS } from '../src/sales/states.js';
import { createTestShop, type Dialect, type TestShop, tracedPool } from './helpers.js';

const cases: Dialect[] = HAS_PG ? ['sqlite', 'postgres'] : ['sqlite'];
type Move = keyof typeof TRANSITIONS;

async function newSale(shop: TestShop, email = 'p@example.com', permalink = 'field-guide'): Promise<string> {
  const guid = newGuid();
  const product = (await shop.store.getProduct(permalink))!;
  await shop.store.placeSale({ guid, product, email, stripeToken: 'tok_visa', formKey: null }, txEnqueue(shop.store, shop.errand, shop.jobs.charge, { guid }));
  return guid;
}

describe.each(cases)('sales on %s', (dialect) => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop({ dialect });
  });
  afterAll(async () => {
    await shop?.close();
  });

  it("keeps the console's sessions: added, active until revoked or expired, expired ones pruned", async () => {
    const sessions = consoleSessionStore(shop.store);
    await sessions.add('live-session', Date.now() + 60_000);
    await sessions.add('gone-session', Date.now() - 1);
    expect(await sessions.active('live-session', Date.now())).toBe(true);
    expect(await sessions.active('gone-session', Date.now())).toBe(false);
    expect(await sessions.active('never-added', Date.now())).toBe(false);
    await sessions.revoke('live-session');
    expect(await sessions.active('live-session', Date.now())).toBe(false);
  });

  it('every transition moves only from the states TRANSITIONS allows; finished never goes back (property)', async () => {
    const apply = (guid: string, m: Move) =>
      m === 'processing'
        ? shop.store.startCharge(guid).then((moved) => moved !== null)
        : m === 'finished'
          ? shop.store.markFinished(guid, 'ch_1')
          : m === 'errored'
            ? shop.store.markErrored(guid, 'declined', 'card_declined')
            : shop.store.markRefunded(guid);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom<Move>('processing', 'finished', 'errored', 'refunded'), { minLength: 1, maxLength: 8 }), async (moves) => {
        const guid = await newSale(shop);
        let model: SaleState = 'pending';
        let everFinished = false;
        for (const m of moves) {
          const allowed = (TRANSITIONS[m] as readonly SaleState[]).includes(model);
          expect(await apply(guid, m)).toBe(allowed);
          if (allowed) model = m;
          everFinished ||= model === 'finished';
          const state = (await shop.store.getSale(guid))!.state;
          expect(state).toBe(model);
          if (everFinished) expect(['finished', 'refunded']).toContain(state);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('SalesSource lists newest first with keyset paging, filters by state, searches email and guid, counts by state', async () => {
    const sales = createSalesSource(shop);
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) mine.push(await newSale(shop, `page${i}@paging.test`, 'retry-poster'));
    await shop.store.startCharge(mine[1]);
    await shop.store.markFinished(mine[1], 'ch_paged');

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof sales.list>> = await sales.list({ limit: 2, cursor, search: 'paging.test' });
      expect(page.sales.length).toBeLessThanOrEqual(2);
      seen.push(...page.sales.map((s) => s.guid));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual([...mine].reverse());

    const finished = await sales.list({ limit: 50, state: 'finished', search: 'paging' });
    expect(finished.sales.map((s) => s.guid)).toEqual([mine[1]]);
    expect(finished.next).toBeNull();
    expect(finished.sales[0]).toMatchObject({ state: 'finished', chargeId: 'ch_paged', productName: 'Exponential Backoff Poster', productPermalink: 'retry-poster', amount: 500, currency: 'usd' });
    expect(finished.sales[0].createdAt).toBeInstanceOf(Date);
    expect(finished.sales[0]).not.toHaveProperty('stripeToken');

    expect((await sales.list({ limit: 10, search: mine[3].slice(0, 13) })).sales.map((s) => s.guid)).toEqual([mine[3]]);
    expect((await sales.list({ limit: 10, search: '100%_' })).sales).toEqual([]); // wildcards are literal
    expect(await sales.get(mine[2])).toMatchObject({ guid: mine[2], email: 'page2@paging.test', chargeJobId: expect.any(Number) });
    expect(await sales.get('nope')).toBeNull();

    const counts = await sales.counts();
    expect(Object.keys(counts).sort()).toEqual(['errored', 'finished', 'pending', 'processing', 'refunded']);
    expect(counts.finished).toBeGreaterThanOrEqual(1);
    expect(counts.pending).toBeGreaterThanOrEqual(4);
  });
  it('a dispute finds its sale by PaymentIntent, or by charge for a sale charged before PaymentIntents, through the partial id indexes', async () => {
    const [legacy, paid, open] = [await newSale(shop), await newSale(shop), await newSale(shop)];
    const tag = newGuid().slice(0, 8);
    for (const g of [legacy, paid]) await shop.store.startCharge(g);
    expect(await shop.store.markFinished(legacy, `ch_legacy_${tag}`)).toBe(true); // the Charges API: no PaymentIntent
    expect(await shop.store.markFinished(paid, `ch_pi_${tag}`, `pi_${tag}`)).toBe(true);
    expect(await shop.store.markDisputed(`pi_${tag}`, `ch_pi_${tag}`)).toBe(paid);
    expect(await shop.store.markDisputed(null, `ch_legacy_${tag}`)).toBe(legacy);
    expect(await shop.store.markDisputed(null, `ch_unknown_${tag}`)).toBeNull();
    expect(await shop.store.markDisputed(null, null)).toBeNull();
    expect((await shop.store.getSale(open))?.disputed).toBe(false);
    expect((await shop.store.getSale(paid))?.disputed).toBe(true);
    if (shop.store instanceof SqliteStore) {
      const plan = shop.store.db.prepare(`EXPLAIN QUERY PLAN ${SQLITE_SQL.markDisputed}`).all({ payment_intent_id: 'pi_x', charge_id: 'ch_x', now: 0 }) as { detail: string }[];
      const details = plan.map((r) => r.detail).join('\n');
      expect(details).toContain('USING INDEX sales_payment_intent');
      expect(details).toContain('USING INDEX sales_charge_legacy');
    }
  });
  it('sales placed at once commit together, each with its own job; a repeated form key finds the first; a bad sale fails alone', async () => {
    const product = (await shop.store.getProduct('field-guide'))!;
    const place = (formKey: string | null, p = product) => {
      const guid = newGuid();
      return shop.store
        .placeSale({ guid, product: p, email: 'batch@example.com', stripeToken: 'tok_visa', formKey }, txEnqueue(shop.store, shop.errand, shop.jobs.charge, { guid }))
        .then((r) => ({ guid, r }));
    };
    const key = `fk_${newGuid()}`;
    // One turn of the event loop: one batch (group commit) on either store.
    const [a, b, c, dup, bad] = await Promise.allSettled([
      place(null), place(key), place(null), place(key), place(null, { ...product, id: 999_999 }), // no such product: a foreign-key violation
    ]);
    const ok = [a, b, c, dup].map((x) => (x.status === 'fulfilled' ? x.value : expect.fail(String((x as PromiseRejectedResult).reason))));
    expect(bad.status).toBe('rejected');
    const created = ok.filter((x) => x.r.created);
    expect(created).toHaveLength(3);
    const [first, again] = [ok[1], ok[3]];
    expect([first.r.created, again.r.created].sort()).toEqual([false, true]);
    const winner = first.r.created ? first : again;
    expect((first.r.created ? again : first).r.guid).toBe(winner.guid);
    const jobIds = new Set<number>();
    for (const x of created) {
      if (!x.r.created) continue;
      jobIds.add(x.r.jobId);
      const sale = (await shop.store.getSale(x.guid))!;
      expect(sale.chargeJobId).toBe(x.r.jobId);
      expect(await shop.errand.admin.getJob(x.r.jobId)).toMatchObject({ name: shop.jobs.charge.name, payload: { guid: x.guid } });
    }
    expect(jobIds.size).toBe(3);
  });
});

describe('SQLite: the writes of job handlers leave their fsync to the job', () => {
  // better-sqlite3 reports every statement it runs to `verbose`: the log shows which commits asked for an fsync.
  const open = (jobsOnThisConnection: boolean) => {
    const log: string[] = [];
    class Traced extends Database {
      constructor(file: string) {
        super(file, { verbose: (sql) => log.push(String(sql)) });
      }
    }
    const db = openSqlite(Traced, join(mkdtempSync(join(tmpdir(), 'shop-sync-')), 'shop.db'));
    migrateSqlite(db);
    return { db, log, store: new SqliteStore(db, { jobsOnThisConnection }) };
  };
  const fakeJob = (() => ({ id: 1 }) as EnqueuedJob) as TxEnqueue;
  const placed = async (store: SqliteStore) => {
    await store.seedProduct({ permalink: 'sync-guide', name: 'Sync', description: 'x', price: 900, currency: 'usd', delivery: 'https://example.com/sync' });
    const guid = newGuid();
    await store.placeSale({ guid, product: (await store.getProduct('sync-guide'))!, email: 's@example.com', stripeToken: 'tok_visa', formKey: null, singleUseToken: false }, fakeJob);
    return guid;
  };

  it('with the jobs on the same connection: a charge\'s writes run at synchronous=NORMAL and restore FULL; a checkout keeps its own fsync', async () => {
    const { db, log, store } = open(true);
    expect(store.fsyncDeferredToJobs).toBe(true);
    log.length = 0;
    const guid = await placed(store);
    expect(log.filter((l) => l.includes('synchronous'))).toEqual([]);
    log.length = 0;
    await store.startCharge(guid);
    await store.markFinished(guid, 'ch_sync', 'pi_sync');
    expect(log.map((l) => (l.includes('synchronous') ? l : l.trim().split(/\s+/).slice(0, 2).join(' ')))).toEqual([
      'PRAGMA synchronous = NORMAL', 'UPDATE sales', 'PRAGMA synchronous = 2',
      'PRAGMA synchronous = NORMAL', 'UPDATE sales', 'PRAGMA synchronous = 2',
    ]);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect((await store.getSale(guid))?.state).toBe('finished');
    // Inside an open transaction the write is that transaction's: no toggling there.
    log.length = 0;
    db.transaction(() => void store.markRefunded(guid))();
    expect(log.some((l) => l.includes('synchronous'))).toBe(false);
    db.close();
  });

  it('with the jobs elsewhere (JOBS_URL): every write has its own fsync', async () => {
    const { db, log, store } = open(false);
    expect(store.fsyncDeferredToJobs).toBe(false);
    const guid = await placed(store);
    log.length = 0;
    await store.startCharge(guid);
    await store.markErrored(guid, 'declined', 'card_declined');
    expect(log.some((l) => l.includes('synchronous'))).toBe(false);
    db.close();
  });
});

describe.runIf(HAS_PG)('PostgreSQL: the writes of job handlers leave their WAL flush to the job', () => {
  const fakeJob = (async () => ({ id: 1 }) as EnqueuedJob) as TxEnqueue;

  it('each job write, rewritten, sets synchronous_commit off for its own transaction, whether it changes a row or not', async () => {
    const db = await createTestDatabase('shop_noflush');
    const pool = testPool(db.url);
    try {
      await migratePostgres(pool);
      const store = new PostgresStore(pool);
      await store.seedProduct({ permalink: 'nf-guide', name: 'NF', description: 'x', price: 900, currency: 'usd', delivery: 'https://example.com/nf' });
      const guid = newGuid();
      await store.placeSale({ guid, product: (await store.getProduct('nf-guide'))!, email: 'nf@example.com', stripeToken: 'tok_visa', formKey: null, singleUseToken: false }, fakeJob);
      const args: Record<(typeof JOB_WRITES)[number], unknown[]> = {
        startCharge: [[guid]],
        markFinished: [[guid], ['ch_nf'], ['pi_nf']],
        markErrored: [guid, 'declined', 'card_declined', null, null],
        markRefunded: [guid],
        markRequiresAction: [guid, 'pi_nf', 'pi_nf_secret'],
        markDisputed: ['pi_nf', null],
        markWebhookEventHandled: ['evt_none', 'ignored', null],
      };
      const c = await pool.connect();
      try {
        for (const name of JOB_WRITES) {
          for (const values of [args[name], args[name].map((v, i) => (i > 0 ? v : Array.isArray(v) ? ['no-such-row'] : 'no-such-row'))]) {
            await c.query('BEGIN');
            await c.query(withoutFlush(PG_SQL[name]), values);
            expect((await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit, name).toBe('off');
            await c.query('ROLLBACK');
          }
        }
        // For its transaction only: the session keeps the server's setting.
        expect((await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('on');
      } finally {
        c.release();
      }
      expect(() => withoutFlush('UPDATE t SET x = 1')).toThrow(/expected one WHERE/);
    } finally {
      await pool.end();
      await db.drop();
    }
  });

  it('the store runs them so with the jobs in this database, and as written without (JOBS_URL); a checkout keeps its flush', async () => {
    const db = await createTestDatabase('shop_noflush');
    const { pool, texts } = tracedPool(db.url);
    try {
      await migratePostgres(pool);
      for (const jobsOnThisDatabase of [true, false]) {
        const store = new PostgresStore(pool, { jobsOnThisDatabase });
        expect(store.flushDeferredToJobs).toBe(jobsOnThisDatabase);
        if (jobsOnThisDatabase) await store.seedProduct({ permalink: 'nf-guide', name: 'NF', description: 'x', price: 900, currency: 'usd', delivery: 'https://example.com/nf' });
        const guid = newGuid();
        texts.length = 0;
        await store.placeSale({ guid, product: (await store.getProduct('nf-guide'))!, email: 'nf@example.com', stripeToken: 'tok_visa', formKey: null, singleUseToken: false }, fakeJob);
        expect(texts.some((t) => t.includes('synchronous_commit'))).toBe(false);
        texts.length = 0;
        expect(await store.startCharge(guid)).not.toBeNull();
        expect(await store.markFinished(guid, 'ch_nf', 'pi_nf')).toBe(true);
        expect(texts.map((t) => t.includes("set_config('synchronous_commit', 'off', true)"))).toEqual([jobsOnThisDatabase, jobsOnThisDatabase]);
        expect((await store.getSale(guid))?.state).toBe('finished');
      }
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});

describe('config', () => {
  it('has working defaults: SQLite in ./data, local gateway on 12111, port 3000, 10 workers, 30 posts a minute', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, databaseUrl: 'sqlite:./data/shop.db', gatewayPort: 12111, workers: 10, rateLimitPerMinute: 30 });
    expect(c.stripe).toMatchObject({ local: true, apiBase: null, secretKey: 'sk_test_errand_local', publishableKey: 'pk_test_errand_local' });
  });

  it('a real key pair turns the local gateway off and loads Stripe.js from js.stripe.com', () => {
    const c = loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc123', STRIPE_PUBLISHABLE_KEY: 'pk_test_abc123', STRIPE_WEBHOOK_SECRET: 'whsec_abc123abc123' });
    expect(c.stripe).toMatchObject({ local: false, apiBase: 'https://api.stripe.com', webhookSecret: 'whsec_abc123abc123' });
    expect(stripeJsUrl(c.stripe.apiBase!, null)).toBe(STRIPE_JS);
    expect(stripeJsUrl('http://127.0.0.1:12111', null)).toBe('http://127.0.0.1:12111/v3');
    expect(loadConfig({ STRIPE_API_BASE: 'http://127.0.0.1:4000/' }).stripe).toMatchObject({ local: true, apiBase: 'http://127.0.0.1:4000' });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer from 0 to 65535, got "abc"/],
    [{ WORKERS: '-1' }, /WORKERS must be an integer/],
    [{ RATE_LIMIT_PER_MINUTE: '1.5' }, /RATE_LIMIT_PER_MINUTE must be an integer/],
    [{ DATABASE_URL: 'mysql://u:secret@h/db' }, /DATABASE_URL must be .*"mysql:\/\/u:\*\*\*@h\/db"/],
    [{ STRIPE_SECRET_KEY: 'sk_test_abc' }, /STRIPE_PUBLISHABLE_KEY is required/],
    [{ STRIPE_SECRET_KEY: 'hunter2', STRIPE_PUBLISHABLE_KEY: 'pk_test_x' }, /STRIPE_SECRET_KEY must be a Stripe secret key/],
    [{ STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_PUBLISHABLE_KEY: 'pk_test_abc' }, /live key but STRIPE_PUBLISHABLE_KEY is a test key/],
    [{ STRIPE_PUBLISHABLE_KEY: 'pk_test_abc' }, /STRIPE_SECRET_KEY is not/],
    [{ STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_PUBLISHABLE_KEY: 'pk_test_abc' }, /STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY/],
    [{ STRIPE_WEBHOOK_SECRET: 'sk_test_abc' }, /STRIPE_WEBHOOK_SECRET must be a webhook signing secret \(whsec_…\)/],
    [{ CHALLENGE_WINDOW_MS: '10' }, /CHALLENGE_WINDOW_MS must be an integer from 1000/],
    [{ STRIPE_API_BASE: 'ftp://x' }, /STRIPE_API_BASE must be an http/],
    [{ WORKER_QUEUES: 'payments=0' }, /bad queue "payments=0"/],
    [{ TRUST_PROXY: 'maybe' }, /TRUST_PROXY must be true, false, a hop count .* got "maybe"/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY must be .* got "10.0.0.0\/33"/],
    [{ TRUST_PROXY: '10.0.0.1,evil' }, /TRUST_PROXY must be .* got "evil"/],
    [{ COOKIE_SECRET: 'short' }, /COOKIE_SECRET must be at least 32 characters/],
    [{ LOG_LEVEL: 'verbose' }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"/],
  ])('refuses %o with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('TRUST_PROXY takes Fastify trustProxy forms: booleans, a hop count, addresses and CIDRs', () => {
    for (const v of ['true', 'TRUE', 'yes', 'on']) expect(loadConfig({ TRUST_PROXY: v }).trustProxy).toBe(true);
    for (const v of ['false', 'no', 'off', '0', '']) expect(loadConfig({ TRUST_PROXY: v }).trustProxy).toBe(false);
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback']);
  });

  it('COOKIE_SECRET, else one derived from a real secret key (the same in every process), else none (random per process)', () => {
    expect(loadConfig({ COOKIE_SECRET: 'x'.repeat(32) }).cookieSecret).toBe('x'.repeat(32));
    expect(loadConfig({}).cookieSecret).toBeNull();
    const real = { STRIPE_SECRET_KEY: 'sk_test_abc123', STRIPE_PUBLISHABLE_KEY: 'pk_test_abc123', STRIPE_WEBHOOK_SECRET: 'whsec_test_abc' };
    expect(loadConfig(real).cookieSecret).toBe(loadConfig(real).cookieSecret);
    expect(loadConfig(real).cookieSecret).not.toContain('abc123');
  });

  it('never echoes a secret key in its errors', () => {
    try {
      loadConfig({ STRIPE_SECRET_KEY: 'sk_live_SECRETSECRET', STRIPE_PUBLISHABLE_KEY: 'nope' });
    } catch (err) {
      expect((err as Error).message).not.toContain('SECRETSECRET');
    }
  });

  it('reads worker queues from --queue or WORKER_QUEUES', () => {
    expect(loadConfig({}, ['--queue', 'payments=3,default=2']).workerQueues).toEqual({ payments: 3, default: 2 });
    expect(loadConfig({ WORKER_QUEUES: 'payments=5' }).workerQueues).toEqual({ payments: 5 });
    expect(loadConfig({}, ['--queue=payments=4']).workerQueues).toEqual({ payments: 4 });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--queue'], /--queue needs a value/],
    [['--queue', ''], /--queue needs a value/],
    [['stray'], /Unexpected argument 'stray'/],
  ])('the worker refuses the flags %j with a clear message', (argv, message) => {
    expect(() => loadConfig({}, argv)).toThrow(ConfigError);
    expect(() => loadConfig({}, argv)).toThrow(message);
  });

  it('the worker knows --help and --version', () => {
    expect(parseWorkerArgs(['--help'])).toMatchObject({ help: true });
    expect(parseWorkerArgs(['-v'])).toMatchObject({ version: true });
  });

  it('logs read as lines in a terminal or in development, JSON otherwise (LOG_FORMAT decides)', () => {
    expect(wantsPretty({}, true)).toBe(true);
    expect(wantsPretty({ NODE_ENV: 'development' }, false)).toBe(true);
    expect(wantsPretty({}, false)).toBe(false);
    expect(wantsPretty({ LOG_FORMAT: 'json' }, true)).toBe(false);
    expect(wantsPretty({ LOG_FORMAT: 'pretty' }, false)).toBe(true);
  });

  it('err as a message string is logged as that string, masked (not one key per character); an Error keeps its fields', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('info', { pretty: false, destination });
    logger.warn({ err: 'terminating connection due to administrator command (tok_1AbCdEfGh)' }, 'database unavailable');
    logger.error({ err: new Error('refused tok_1AbCdEfGh') }, 'request failed');
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first.err).toBe('terminating connection due to administrator command (tok_[redacted])');
    expect(second.err).toMatchObject({ type: 'Error', message: 'refused tok_[redacted]' });
    expect(second.err.stack).toMatch(/^Error: refused tok_\[redacted\]/);
  });

  it('a pretty logger still redacts tokens and keys', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('info', { pretty: true, destination });
    logger.info({ stripeToken: 'tok_visa_secret', body: { secretKey: 'sk_test_123' } }, 'purchase');
    const out = lines.join('');
    expect(out).toContain('purchase');
    expect(out).not.toContain('tok_visa_secret');
    expect(out).not.toContain('sk_test_123');
    expect(out).toContain('[redacted]');
  });
});
