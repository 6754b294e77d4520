/**
 * The store on SQLite (better-sqlite3, synchronous): writes that must be atomic run in
 * `db.transaction(…).immediate()`, which takes the write lock up front (no upgrade deadlocks
 * between processes sharing the file).
 */
import type Database from 'better-sqlite3';
import { deferFsync, type WithoutFsync } from 'errand';
import type { SaleState } from '../sales/states.js';
import { type QueryName, SQL } from './queries/sqlite.js';
import { emptyCounts, likePattern, toChargeTarget, toProduct, toSale, toWebhookEvent } from './rows.js';
import {
  type ChargeTarget,
  type NewProduct,
  type NewSale,
  type NewWebhookEvent,
  type PlaceResult,
  type Product,
  type RefundRequest,
  type Sale,
  type SaleListQuery,
  type ShopStore,
  type ThreeDSecure,
  TokenUsedError,
  type TxEnqueue,
  type WebhookEventRecord,
} from './types.js';

export interface SqliteStoreOptions {
  /**
   * The engine's jobs are on this same connection (the shop without JOBS_URL). Then the writes
   * that only job handlers make (startCharge, markFinished, markErrored, …) commit without an
   * fsync of their own (synchronous=NORMAL for that one statement, then back): each is followed,
   * once its handler returns, by the job's completion or failure — a synchronous=FULL commit to
   * the same WAL, whose fsync makes every frame before it durable too. An application crash
   * loses nothing either way (the frames are in the OS's cache); a power cut before the
   * completion loses the write with it, so the job is rescued and runs again, and its gateway
   * call replays by its idempotency key. Each was two fsyncs a sale, blocking the thread (the
   * web's too, in one process) for about 0.3 ms each (bench/analysis.md, "Checkout").
   * Off when the jobs live elsewhere (Redis): nothing would follow with an fsync here.
   */
  jobsOnThisConnection?: boolean;
}

export class SqliteStore implements ShopStore {
  readonly dialect = 'sqlite' as const;
  private readonly stmts = new Map<QueryName, Database.Statement>();
  private placing: { sale: NewSale; enqueue: TxEnqueue; resolve: (r: PlaceResult) => void; reject: (e: unknown) => void }[] = [];
  /** Runs a job handler's write without its own fsync, or null: every write has its own (see jobsOnThisConnection). */
  private readonly deferred: WithoutFsync | null;

  constructor(
    readonly db: Database.Database,
    options: SqliteStoreOptions = {},
  ) {
    this.deferred = options.jobsOnThisConnection ? deferFsync(db) : null;
  }

  /** True when job handlers' writes leave their fsync to the job's completion (SqliteStoreOptions.jobsOnThisConnection). */
  get fsyncDeferredToJobs(): boolean {
    return this.deferred !== null;
  }

  /** A write only job handlers make: see SqliteStoreOptions.jobsOnThisConnection. */
  private jobWrite<T>(write: () => T): T {
    return this.deferred ? this.deferred(write) : write();
  }

  private q(name: QueryName): Database.Statement {
    let s = this.stmts.get(name);
    if (!s) this.stmts.set(name, (s = this.db.prepare(SQL[name])));
    return s;
  }

  async ping(): Promise<void> {
    this.q('ping').get();
  }

  async listProducts(): Promise<Product[]> {
    return this.q('listProducts').all().map(toProduct);
  }

  async getProduct(permalink: string): Promise<Product | null> {
    const row = this.q('getProduct').get({ permalink });
    return row ? toProduct(row) : null;
  }

  async seedProduct(p: NewProduct): Promise<void> {
    this.q('seedProduct').run({ ...p, now: Date.now() });
  }

  /**
   * Group commit: the sales placed during one turn of the event loop are written in one IMMEDIATE
   * transaction, each in its own savepoint (a failing sale rolls back alone), so a burst costs one
   * fsync (synchronous=FULL) instead of one per sale. better-sqlite3 blocks the thread for the
   * fsync: per sale, it made the web thread's turns long enough under load that new connections
   * waited seconds to be accepted (bench/analysis.md, "Checkout"). Each sale still answers only
   * once it is committed.
   */
  placeSale(sale: NewSale, enqueue: TxEnqueue): Promise<PlaceResult> {
    return new Promise((resolve, reject) => {
      if (this.placing.push({ sale, enqueue, resolve, reject }) === 1) setImmediate(() => this.commitPlaced());
    });
  }

  private commitPlaced(): void {
    const batch = this.placing.splice(0);
    const results: ({ ok: true; value: PlaceResult } | { ok: false; error: unknown })[] = [];
    try {
      this.db
        .transaction(() => {
          for (const p of batch) {
            try {
              results.push({ ok: true, value: this.placeOne(p.sale, p.enqueue) });
            } catch (error) {
              results.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      for (const p of batch) p.reject(error); // BEGIN or COMMIT failed (database locked, disk full): nothing was written
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i];
      if (r.ok) p.resolve(r.value);
      else p.reject(r.error);
    });
  }

  /** One sale inside commitPlaced's transaction: a nested transaction, i.e. a savepoint. */
  private placeOne(sale: NewSale, enqueue: TxEnqueue): PlaceResult {
    return this.db
      .transaction((): PlaceResult => {
        if (sale.formKey !== null) {
          const first = this.q('findByFormKey').get({ form_key: sale.formKey }) as { guid: string; product_id: number; email: string; stripe_token: string } | undefined;
          if (first) return { created: false, guid: first.guid, productId: Number(first.product_id), email: first.email, stripeToken: first.stripe_token };
        }
        if (sale.singleUseToken && this.q('findByToken').get({ stripe_token: sale.stripeToken })) throw new TokenUsedError();
        const now = Date.now();
        this.q('insertSale').run({
          guid: sale.guid,
          product_id: sale.product.id,
          amount: sale.product.price,
          currency: sale.product.currency,
          email: sale.email,
          stripe_token: sale.stripeToken,
          form_key: sale.formKey,
          now,
        });
        const job = enqueue(this.db);
        if (job instanceof Promise) throw new TypeError('on SQLite, enqueue inside a transaction must be synchronous (errand.enqueueSync)');
        this.q('setChargeJob').run({ guid: sale.guid, job_id: job.id });
        return { created: true, guid: sale.guid, jobId: job.id };
      })();
  }

  async getSale(guid: string): Promise<Sale | null> {
    const row = this.q('getSale').get({ guid });
    return row ? toSale(row) : null;
  }

  async listSales(q: SaleListQuery): Promise<Sale[]> {
    const search = q.search ? likePattern(q.search) : null;
    return this.q('listSales')
      .all({ state: q.state ?? null, before_id: q.beforeId ?? null, search, limit: q.limit })
      .map(toSale);
  }

  async countSales(): Promise<Record<SaleState, number>> {
    const counts = emptyCounts();
    for (const r of this.q('countSales').all() as { state: SaleState; n: number }[]) counts[r.state] = r.n;
    return counts;
  }

  async requestRefund(guid: string, enqueue: TxEnqueue): Promise<RefundRequest> {
    return this.db
      .transaction((): RefundRequest => {
        const row = this.q('refundable').get({ guid }) as { state: SaleState; refund_job_id: number | null } | undefined;
        if (!row) return { ok: false, state: null };
        if (row.state !== 'finished') return { ok: false, state: row.state };
        if (row.refund_job_id !== null) return { ok: true, jobId: Number(row.refund_job_id) };
        const job = enqueue(this.db);
        if (job instanceof Promise) throw new TypeError('on SQLite, enqueue inside a transaction must be synchronous (errand.enqueueSync)');
        this.q('setRefundJob').run({ guid, job_id: job.id, now: Date.now() });
        return { ok: true, jobId: job.id };
      })
      .immediate();
  }

  async startCharge(guid: string): Promise<ChargeTarget | null> {
    const row = this.jobWrite(() => this.q('startCharge').get({ guid, now: Date.now() }));
    return row ? toChargeTarget(row) : null;
  }

  async markFinished(guid: string, chargeId: string, paymentIntentId: string | null = null): Promise<boolean> {
    return this.jobWrite(() => this.q('markFinished').run({ guid, charge_id: chargeId, payment_intent_id: paymentIntentId, now: Date.now() }).changes === 1);
  }

  async markErrored(guid: string, message: string, code: string, threeDSecure: ThreeDSecure | null = null, paymentIntentId: string | null = null): Promise<boolean> {
    return this.jobWrite(() => this.q('markErrored').run({ guid, message, code, three_d_secure: threeDSecure, payment_intent_id: paymentIntentId, now: Date.now() }).changes === 1);
  }

  async markRefunded(guid: string): Promise<boolean> {
    return this.jobWrite(() => this.q('markRefunded').run({ guid, now: Date.now() }).changes === 1);
  }

  async addConsoleSession(sidHash: string, expiresAt: number): Promise<void> {
    this.q('pruneConsoleSessions').run({ now: Date.now() });
    this.q('addConsoleSession').run({ sid_hash: sidHash, expires_at: expiresAt });
  }

  async consoleSessionActive(sidHash: string): Promise<boolean> {
    return this.q('consoleSessionActive').get({ sid_hash: sidHash, now: Date.now() }) !== undefined;
  }

  async revokeConsoleSession(sidHash: string): Promise<void> {
    this.q('revokeConsoleSession').run({ sid_hash: sidHash });
  }

  async markRequiresAction(guid: string, paymentIntentId: string, clientSecret: string): Promise<boolean> {
    return this.jobWrite(() => this.q('markRequiresAction').run({ guid, payment_intent_id: paymentIntentId, client_secret: clientSecret, now: Date.now() }).changes === 1);
  }

  async markDisputed(paymentIntentId: string | null, chargeId: string | null): Promise<string | null> {
    const row = this.jobWrite(() => this.q('markDisputed').get({ payment_intent_id: paymentIntentId, charge_id: chargeId, now: Date.now() })) as { guid: string } | undefined;
    return row?.guid ?? null;
  }

  async recordWebhookEvent(e: NewWebhookEvent, enqueue: TxEnqueue): Promise<{ inserted: boolean }> {
    return this.db
      .transaction(() => {
        const r = this.q('insertWebhookEvent').run({ id: e.id, type: e.type, sale_guid: e.saleGuid, payload: e.payload, now: Date.now() });
        if (r.changes === 0) return { inserted: false };
        const job = enqueue(this.db);
        if (job instanceof Promise) throw new TypeError('on SQLite, enqueue inside a transaction must be synchronous (errand.enqueueSync)');
        this.q('setWebhookEventJob').run({ id: e.id, job_id: job.id });
        return { inserted: true };
      })
      .immediate();
  }

  async getWebhookEvent(id: string): Promise<WebhookEventRecord | null> {
    const row = this.q('getWebhookEvent').get({ id });
    return row ? toWebhookEvent(row) : null;
  }

  async markWebhookEventHandled(id: string, outcome: string, saleGuid: string | null): Promise<void> {
    this.jobWrite(() => this.q('markWebhookEventHandled').run({ id, outcome, sale_guid: saleGuid, now: Date.now() }));
  }

  async listWebhookEvents(saleGuid: string, limit: number): Promise<WebhookEventRecord[]> {
    return this.q('listWebhookEvents').all({ sale_guid: saleGuid, limit }).map(toWebhookEvent);
  }

  async listStaleProcessing(before: Date, limit: number): Promise<Sale[]> {
    return this.q('listStaleProcessing').all({ before: before.getTime(), limit }).map(toSale);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
