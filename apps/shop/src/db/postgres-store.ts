/** The store on PostgreSQL (pg Pool). Transactions take a dedicated client: BEGIN … COMMIT. */
import type pg from 'pg';
import type { SaleState } from '../sales/states.js';
import { JOB_WRITES, type JobWrite, SQL, withoutFlush } from './queries/postgres.js';
import { WriteBatcher } from './write-batcher.js';
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

/** A batch of sales per transaction at most, and batches being written at once (pool connections they hold). */
const MAX_BATCH = 200;
const MAX_BATCHES_IN_FLIGHT = 2;

interface Placing {
  sale: NewSale;
  enqueue: TxEnqueue;
  resolve: (r: PlaceResult) => void;
  reject: (e: unknown) => void;
}

/**
 * A named prepared statement: PostgreSQL parses and plans each query once per connection instead
 * of on every call (the engine's driver does the same; bench/analysis.md, "Checkout").
 */
function named(name: keyof typeof SQL, values?: unknown[]): pg.QueryConfig {
  return { name: `shop_${name}`, text: SQL[name], values };
}

const NO_FLUSH = Object.fromEntries(JOB_WRITES.map((n) => [n, withoutFlush(SQL[n])])) as Record<JobWrite, string>;

export interface PostgresStoreOptions {
  /**
   * The engine's jobs are in this same database (the shop without JOBS_URL). Then the writes that
   * only job handlers make (startCharge, markFinished, markErrored, …) commit without waiting for
   * their WAL flush (synchronous_commit off for that statement): each is followed, once its
   * handler returns, by the job's completion — a synchronous commit to the same server's WAL,
   * which is sequential, so its flush makes the write before it durable too. An application
   * crash loses nothing (the server has the commit); a server crash within the WAL writer's
   * delay can lose the write with the completion, so the job is rescued and runs again, and its
   * gateway call replays by its idempotency key — as the engine's own claims do. Off when the
   * jobs live elsewhere (Redis): nothing would follow with a flush here.
   */
  jobsOnThisDatabase?: boolean;
}

export class PostgresStore implements ShopStore {
  readonly dialect = 'postgres' as const;
  private placing: Placing[] = [];
  private flushScheduled = false;
  private batchesInFlight = 0;

  /** The charge job's two writes, group-committed across worker slots (write-batcher.ts). */
  private readonly starting = new WriteBatcher<string, ChargeTarget | null>({
    write: async (guids) => {
      const { rows } = await this.jobWrite('startCharge', [guids]);
      const byGuid = new Map(rows.map((r) => [r.guid as string, toChargeTarget(r)]));
      return guids.map((g) => byGuid.get(g) ?? null);
    },
    key: (guid) => guid,
    maxInFlight: MAX_BATCHES_IN_FLIGHT,
    maxBatch: MAX_BATCH,
  });
  private readonly finishing = new WriteBatcher<{ guid: string; chargeId: string; paymentIntentId: string | null }, boolean>({
    write: async (fs) => {
      const { rows } = await this.jobWrite('markFinished', [fs.map((f) => f.guid), fs.map((f) => f.chargeId), fs.map((f) => f.paymentIntentId)]);
      const moved = new Set(rows.map((r) => r.guid as string));
      return fs.map((f) => moved.has(f.guid));
    },
    key: (f) => f.guid,
    maxInFlight: MAX_BATCHES_IN_FLIGHT,
    maxBatch: MAX_BATCH,
  });

  constructor(
    readonly pool: pg.Pool,
    private readonly options: PostgresStoreOptions = {},
  ) {}

  /** True when job handlers' writes leave their WAL flush to the job's completion (PostgresStoreOptions.jobsOnThisDatabase). */
  get flushDeferredToJobs(): boolean {
    return this.options.jobsOnThisDatabase === true;
  }

  /** A write only job handlers make, as a named prepared statement: see PostgresStoreOptions.jobsOnThisDatabase. */
  private jobWrite(name: JobWrite, values: unknown[]): Promise<pg.QueryResult> {
    if (!this.flushDeferredToJobs) return this.pool.query(named(name, values));
    return this.pool.query({ name: `shop_${name}_noflush`, text: NO_FLUSH[name], values });
  }

  private async tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await work(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool.query(named('ping'));
  }

  async listProducts(): Promise<Product[]> {
    return (await this.pool.query(named('listProducts'))).rows.map(toProduct);
  }

  async getProduct(permalink: string): Promise<Product | null> {
    const { rows } = await this.pool.query(named('getProduct', [permalink]));
    return rows[0] ? toProduct(rows[0]) : null;
  }

  async seedProduct(p: NewProduct): Promise<void> {
    await this.pool.query(named('seedProduct', [p.permalink, p.name, p.description, p.price, p.currency, p.delivery]));
  }

  /**
   * Group commit, as on SQLite: the sales that arrive while earlier batches are being written go
   * in one transaction (BEGIN, one INSERT for the sales, one for their jobs, one UPDATE, COMMIT),
   * so a burst costs a handful of round trips, one NOTIFY and one WAL flush instead of five round
   * trips and a flush per sale. Each sale still answers only once its own row and its job are
   * committed together. A batch that fails is retried sale by sale, so a bad sale fails alone.
   * Sales with a single-use card token or PaymentMethod are batched too: the batch locks their
   * tokens first (placeSales), so a token is never taken twice, in one batch or across batches.
   */
  placeSale(sale: NewSale, enqueue: TxEnqueue): Promise<PlaceResult> {
    return new Promise((resolve, reject) => {
      this.placing.push({ sale, enqueue, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flushPlaced();
        });
      }
    });
  }

  private flushPlaced(): void {
    while (this.placing.length > 0 && this.batchesInFlight < MAX_BATCHES_IN_FLIGHT) {
      const batch = this.placing.splice(0, MAX_BATCH);
      this.batchesInFlight++;
      void this.commitPlaced(batch).finally(() => {
        this.batchesInFlight--;
        this.flushPlaced();
      });
    }
  }

  private async commitPlaced(batch: Placing[]): Promise<void> {
    let results: (PlaceResult | TokenUsedError)[];
    try {
      results = await this.tx((c) => this.placeSales(c, batch));
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      // One bad sale (or a deadlock between two batches over the same form keys) must not fail
      // the others: each alone, in its own transaction.
      await Promise.all(batch.map((p) => this.commitPlaced([p])));
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i];
      if (r instanceof TokenUsedError) p.reject(r);
      else p.resolve(r);
    });
  }

  /**
   * The sales of a batch with a single-use token that may not be written: their token is taken,
   * by a committed sale or by an earlier sale of this batch (TokenUsedError), unless the sale is
   * a replay (its form key is the holder's), which the insert's ON CONFLICT then answers.
   * Called with the tokens locked, so no other transaction can take one meanwhile.
   */
  private async refusedTokens(c: pg.PoolClient, batch: Placing[]): Promise<Map<Placing, TokenUsedError>> {
    const refused = new Map<Placing, TokenUsedError>();
    const single = batch.filter((p) => p.sale.singleUseToken);
    if (single.length === 0) return refused;
    const tokens = [...new Set(single.map((p) => p.sale.stripeToken))];
    await c.query(named('lockTokens', [tokens]));
    const used = new Set<string>((await c.query(named('usedTokens', [tokens]))).rows.map((r) => r.stripe_token));
    const keyed = single.map((p) => p.sale.formKey).filter((k): k is string => k !== null);
    const existing = new Set<string>();
    if (keyed.length > 0) for (const r of (await c.query(named('findByFormKeys', [keyed]))).rows) existing.add(r.form_key);
    // Token → the form key of the sale of this batch that takes it (null: a sale without a key).
    const takenHere = new Map<string, string | null>();
    for (const p of single) {
      const { stripeToken, formKey } = p.sale;
      if (formKey !== null && existing.has(formKey)) continue; // a replay of a committed sale
      if (takenHere.has(stripeToken)) {
        const holder = takenHere.get(stripeToken);
        if (formKey === null || holder !== formKey) refused.set(p, new TokenUsedError());
        continue; // same key as the holder: the insert finds the holder
      }
      if (used.has(stripeToken)) {
        refused.set(p, new TokenUsedError());
        continue;
      }
      takenHere.set(stripeToken, formKey);
    }
    return refused;
  }

  /** The batch's writes inside one open transaction; results (or refusals) in the batch's order. */
  private async placeSales(c: pg.PoolClient, all: Placing[]): Promise<(PlaceResult | TokenUsedError)[]> {
    const refused = await this.refusedTokens(c, all);
    const batch = refused.size === 0 ? all : all.filter((p) => !refused.has(p));
    const col = <T>(f: (s: NewSale) => T) => batch.map((p) => f(p.sale));
    const inserted = await c.query(named('insertSales', [
      col((s) => s.guid), col((s) => s.product.id), col((s) => s.product.price), col((s) => s.product.currency),
      col((s) => s.email), col((s) => s.stripeToken), col((s) => s.formKey),
    ]));
    const created = new Set<string>(inserted.rows.map((r) => r.guid));
    // The form keys taken (by a committed sale, one we waited for, or an earlier sale of this batch).
    const firsts = new Map<string, { guid: string; productId: number; email: string; stripeToken: string }>();
    const taken = batch.filter((p) => !created.has(p.sale.guid)).map((p) => p.sale.formKey);
    if (taken.length > 0) {
      for (const r of (await c.query(named('findByFormKeys', [taken]))).rows) firsts.set(r.form_key, { guid: r.guid, productId: Number(r.product_id), email: r.email, stripeToken: r.stripe_token });
    }
    const fresh = batch.filter((p) => created.has(p.sale.guid));
    const jobIds = await this.enqueueAll(c, fresh);
    if (fresh.length > 0) await c.query(named('setChargeJobs', [fresh.map((p) => p.sale.guid), jobIds]));
    const jobOf = new Map(fresh.map((p, i) => [p.sale.guid, jobIds[i]]));
    return all.map((p): PlaceResult | TokenUsedError => {
      const no = refused.get(p);
      if (no) return no;
      const jobId = jobOf.get(p.sale.guid);
      if (jobId !== undefined) return { created: true, guid: p.sale.guid, jobId };
      const first = p.sale.formKey === null ? undefined : firsts.get(p.sale.formKey);
      if (!first) throw new Error(`sale ${p.sale.guid} was neither inserted nor found by its form key`);
      return { created: false, ...first };
    });
  }

  /** The jobs of the sales, in order: one enqueueMany when they share one, else one by one. */
  private async enqueueAll(c: pg.PoolClient, placed: Placing[]): Promise<number[]> {
    if (placed.length === 0) return [];
    const many = placed[0].enqueue.batch?.enqueueMany;
    if (many && placed.every((p) => p.enqueue.batch?.enqueueMany === many)) {
      return (await many(placed.map((p) => p.enqueue.batch!.request), c)).map((j) => j.id);
    }
    const ids: number[] = [];
    for (const p of placed) ids.push((await p.enqueue(c)).id);
    return ids;
  }

  async getSale(guid: string): Promise<Sale | null> {
    const { rows } = await this.pool.query(named('getSale', [guid]));
    return rows[0] ? toSale(rows[0]) : null;
  }

  async listSales(q: SaleListQuery): Promise<Sale[]> {
    const search = q.search ? likePattern(q.search) : null;
    const { rows } = await this.pool.query(named('listSales', [q.state ?? null, q.beforeId ?? null, search, q.limit]));
    return rows.map(toSale);
  }

  async countSales(): Promise<Record<SaleState, number>> {
    const counts = emptyCounts();
    for (const r of (await this.pool.query(named('countSales'))).rows) counts[r.state as SaleState] = Number(r.n);
    return counts;
  }

  async requestRefund(guid: string, enqueue: TxEnqueue): Promise<RefundRequest> {
    return this.tx(async (c): Promise<RefundRequest> => {
      const { rows } = await c.query(named('refundable', [guid]));
      const row = rows[0];
      if (!row) return { ok: false, state: null };
      if (row.state !== 'finished') return { ok: false, state: row.state };
      if (row.refund_job_id !== null) return { ok: true, jobId: Number(row.refund_job_id) };
      const job = await enqueue(c);
      await c.query(named('setRefundJob', [guid, job.id]));
      return { ok: true, jobId: job.id };
    });
  }

  startCharge(guid: string): Promise<ChargeTarget | null> {
    return this.starting.run(guid);
  }

  markFinished(guid: string, chargeId: string, paymentIntentId: string | null = null): Promise<boolean> {
    return this.finishing.run({ guid, chargeId, paymentIntentId });
  }

  async markErrored(guid: string, message: string, code: string, threeDSecure: ThreeDSecure | null = null, paymentIntentId: string | null = null): Promise<boolean> {
    return (await this.jobWrite('markErrored', [guid, message, code, threeDSecure, paymentIntentId])).rowCount === 1;
  }

  async markRefunded(guid: string): Promise<boolean> {
    return (await this.jobWrite('markRefunded', [guid])).rowCount === 1;
  }

  async addConsoleSession(sidHash: string, expiresAt: number): Promise<void> {
    await this.pool.query(SQL.pruneConsoleSessions);
    await this.pool.query(SQL.addConsoleSession, [sidHash, expiresAt]);
  }

  async consoleSessionActive(sidHash: string): Promise<boolean> {
    return (await this.pool.query(SQL.consoleSessionActive, [sidHash])).rows.length > 0;
  }

  async revokeConsoleSession(sidHash: string): Promise<void> {
    await this.pool.query(SQL.revokeConsoleSession, [sidHash]);
  }

  async markRequiresAction(guid: string, paymentIntentId: string, clientSecret: string): Promise<boolean> {
    return (await this.jobWrite('markRequiresAction', [guid, paymentIntentId, clientSecret])).rowCount === 1;
  }

  async markDisputed(paymentIntentId: string | null, chargeId: string | null): Promise<string | null> {
    const { rows } = await this.jobWrite('markDisputed', [paymentIntentId, chargeId]);
    return rows[0]?.guid ?? null;
  }

  async recordWebhookEvent(e: NewWebhookEvent, enqueue: TxEnqueue): Promise<{ inserted: boolean }> {
    return this.tx(async (c) => {
      const inserted = await c.query(SQL.insertWebhookEvent, [e.id, e.type, e.saleGuid, e.payload]);
      if (inserted.rowCount === 0) return { inserted: false };
      const job = await enqueue(c);
      await c.query(SQL.setWebhookEventJob, [e.id, job.id]);
      return { inserted: true };
    });
  }

  async getWebhookEvent(id: string): Promise<WebhookEventRecord | null> {
    const { rows } = await this.pool.query(SQL.getWebhookEvent, [id]);
    return rows[0] ? toWebhookEvent(rows[0]) : null;
  }

  async markWebhookEventHandled(id: string, outcome: string, saleGuid: string | null): Promise<void> {
    await this.jobWrite('markWebhookEventHandled', [id, outcome, saleGuid]);
  }

  async listWebhookEvents(saleGuid: string, limit: number): Promise<WebhookEventRecord[]> {
    return (await this.pool.query(SQL.listWebhookEvents, [saleGuid, limit])).rows.map(toWebhookEvent);
  }

  async listStaleProcessing(before: Date, limit: number): Promise<Sale[]> {
    return (await this.pool.query(SQL.listStaleProcessing, [before, limit])).rows.map(toSale);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
