/** The store on PostgreSQL (pg Pool). Transactions take a dedicated client: BEGIN … COMMIT. */
import type pg from 'pg';
import type { SaleState } from '../sales/states.js';
import { SQL } from './queries/postgres.js';
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

export class PostgresStore implements ShopStore {
  readonly dialect = 'postgres' as const;

  constructor(readonly pool: pg.Pool) {}

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
    await this.pool.query(SQL.ping);
  }

  async listProducts(): Promise<Product[]> {
    return (await this.pool.query(SQL.listProducts)).rows.map(toProduct);
  }

  async getProduct(permalink: string): Promise<Product | null> {
    const { rows } = await this.pool.query(SQL.getProduct, [permalink]);
    return rows[0] ? toProduct(rows[0]) : null;
  }

  async seedProduct(p: NewProduct): Promise<void> {
    await this.pool.query(SQL.seedProduct, [p.permalink, p.name, p.description, p.price, p.currency, p.delivery]);
  }

  async placeSale(sale: NewSale, enqueue: TxEnqueue): Promise<PlaceResult> {
    return this.tx(async (c) => {
      if (sale.singleUseToken) {
        await c.query(SQL.lockToken, [sale.stripeToken]);
        if (sale.formKey !== null) {
          // A replay of the sale that holds this token answers as a replay, not as a reused token.
          const { rows } = await c.query(SQL.findByFormKey, [sale.formKey]);
          if (rows[0]) return { created: false, guid: rows[0].guid, productId: Number(rows[0].product_id), email: rows[0].email, stripeToken: rows[0].stripe_token };
        }
        if ((await c.query(SQL.findByToken, [sale.stripeToken])).rows.length > 0) throw new TokenUsedError();
      }
      const inserted = await c.query(SQL.insertSale, [
        sale.guid,
        sale.product.id,
        sale.product.price,
        sale.product.currency,
        sale.email,
        sale.stripeToken,
        sale.formKey,
      ]);
      if (inserted.rowCount === 0) {
        // The form key is taken: the first submit's sale (committed, or we waited for it).
        const { rows } = await c.query(SQL.findByFormKey, [sale.formKey]);
        return { created: false, guid: rows[0].guid, productId: Number(rows[0].product_id), email: rows[0].email, stripeToken: rows[0].stripe_token };
      }
      const job = await enqueue(c);
      await c.query(SQL.setChargeJob, [sale.guid, job.id]);
      return { created: true, guid: sale.guid, jobId: job.id };
    });
  }

  async getSale(guid: string): Promise<Sale | null> {
    const { rows } = await this.pool.query(SQL.getSale, [guid]);
    return rows[0] ? toSale(rows[0]) : null;
  }

  async listSales(q: SaleListQuery): Promise<Sale[]> {
    const search = q.search ? likePattern(q.search) : null;
    const { rows } = await this.pool.query(SQL.listSales, [q.state ?? null, q.beforeId ?? null, search, q.limit]);
    return rows.map(toSale);
  }

  async countSales(): Promise<Record<SaleState, number>> {
    const counts = emptyCounts();
    for (const r of (await this.pool.query(SQL.countSales)).rows) counts[r.state as SaleState] = Number(r.n);
    return counts;
  }

  async requestRefund(guid: string, enqueue: TxEnqueue): Promise<RefundRequest> {
    return this.tx(async (c): Promise<RefundRequest> => {
      const { rows } = await c.query(SQL.refundable, [guid]);
      const row = rows[0];
      if (!row) return { ok: false, state: null };
      if (row.state !== 'finished') return { ok: false, state: row.state };
      if (row.refund_job_id !== null) return { ok: true, jobId: Number(row.refund_job_id) };
      const job = await enqueue(c);
      await c.query(SQL.setRefundJob, [guid, job.id]);
      return { ok: true, jobId: job.id };
    });
  }

  async startCharge(guid: string): Promise<ChargeTarget | null> {
    const { rows } = await this.pool.query(SQL.startCharge, [guid]);
    return rows[0] ? toChargeTarget(rows[0]) : null;
  }

  async markFinished(guid: string, chargeId: string, paymentIntentId: string | null = null): Promise<boolean> {
    return (await this.pool.query(SQL.markFinished, [guid, chargeId, paymentIntentId])).rowCount === 1;
  }

  async markErrored(guid: string, message: string, code: string, threeDSecure: ThreeDSecure | null = null, paymentIntentId: string | null = null): Promise<boolean> {
    return (await this.pool.query(SQL.markErrored, [guid, message, code, threeDSecure, paymentIntentId])).rowCount === 1;
  }

  async markRefunded(guid: string): Promise<boolean> {
    return (await this.pool.query(SQL.markRefunded, [guid])).rowCount === 1;
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
    return (await this.pool.query(SQL.markRequiresAction, [guid, paymentIntentId, clientSecret])).rowCount === 1;
  }

  async markDisputed(paymentIntentId: string | null, chargeId: string | null): Promise<string | null> {
    const { rows } = await this.pool.query(SQL.markDisputed, [paymentIntentId, chargeId]);
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
    await this.pool.query(SQL.markWebhookEventHandled, [id, outcome, saleGuid]);
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
