/**
 * Every SQL statement the shop runs on SQLite, one named constant each (no SQL elsewhere).
 * Named parameters (@name); times are milliseconds since the epoch.
 */

import { SALE_COLUMNS } from './columns.js';

export const SQL = {
  ping: 'SELECT 1 AS ok',
  listProducts: 'SELECT * FROM products ORDER BY id',
  getProduct: 'SELECT * FROM products WHERE permalink = @permalink',
  seedProduct: `INSERT INTO products (permalink, name, description, price, currency, delivery, created_at)
    VALUES (@permalink, @name, @description, @price, @currency, @delivery, @now)
    ON CONFLICT (permalink) DO NOTHING`,

  /** Inside placeSale's IMMEDIATE transaction, so no other writer can slip in between. */
  findByFormKey: 'SELECT guid, product_id, email, stripe_token FROM sales WHERE form_key = @form_key',
  /** Inside the same transaction: a single-use token already taken by another sale (sales_stripe_token). */
  findByToken: 'SELECT 1 AS used FROM sales WHERE stripe_token = @stripe_token LIMIT 1',
  insertSale: `INSERT INTO sales (guid, product_id, amount, currency, email, stripe_token, form_key, state, created_at, updated_at)
    VALUES (@guid, @product_id, @amount, @currency, @email, @stripe_token, @form_key, 'pending', @now, @now)`,
  setChargeJob: 'UPDATE sales SET charge_job_id = @job_id WHERE guid = @guid',

  getSale: `SELECT ${SALE_COLUMNS} FROM sales s JOIN products p ON p.id = s.product_id WHERE s.guid = @guid`,
  /** Keyset paging newest first: id < @before_id; the (state, id) index serves the state filter. */
  listSales: `SELECT ${SALE_COLUMNS} FROM sales s JOIN products p ON p.id = s.product_id
    WHERE (@state IS NULL OR s.state = @state)
      AND (@before_id IS NULL OR s.id < @before_id)
      AND (@search IS NULL OR s.email LIKE @search ESCAPE '\\' OR s.guid LIKE @search ESCAPE '\\')
    ORDER BY s.id DESC LIMIT @limit`,
  countSales: 'SELECT state, COUNT(*) AS n FROM sales GROUP BY state',

  // Guarded transitions (sales/states.ts TRANSITIONS): the WHERE lists the states each may come from.
  // pending|processing → processing, returning the columns the charge sends (the charge job
  // needs no read of the sale first).
  startCharge: `UPDATE sales SET state = 'processing', updated_at = @now
    WHERE guid = @guid AND state IN ('pending', 'processing')
    RETURNING guid, amount, currency, email, stripe_token`,
  // Settling clears the client secret (nothing is left to authenticate); a challenge that was
  // asked and then settled was answered, unless the caller says it failed or was abandoned.
  markFinished: `UPDATE sales SET state = 'finished', charge_id = @charge_id, error_message = NULL, error_code = NULL,
      payment_intent_id = COALESCE(@payment_intent_id, payment_intent_id), client_secret = NULL,
      three_d_secure = CASE WHEN three_d_secure = 'required' THEN 'authenticated' ELSE three_d_secure END, updated_at = @now
    WHERE guid = @guid AND state IN ('processing')`,
  markErrored: `UPDATE sales SET state = 'errored', error_message = @message, error_code = @code,
      payment_intent_id = COALESCE(@payment_intent_id, payment_intent_id), client_secret = NULL,
      three_d_secure = COALESCE(@three_d_secure, CASE WHEN three_d_secure = 'required' THEN 'authenticated' ELSE three_d_secure END), updated_at = @now
    WHERE guid = @guid AND state IN ('processing')`,
  markRefunded: `UPDATE sales SET state = 'refunded', updated_at = @now
    WHERE guid = @guid AND state IN ('finished')`,

  /** Inside requestRefund's transaction: only a finished sale without a refund job takes one. */
  refundable: 'SELECT state, refund_job_id FROM sales WHERE guid = @guid',
  setRefundJob: `UPDATE sales SET refund_job_id = @job_id, updated_at = @now
    WHERE guid = @guid AND state = 'finished' AND refund_job_id IS NULL`,

  // The console's live sessions (admin/session-store.ts); times in ms since the epoch.
  addConsoleSession: 'INSERT INTO console_sessions (sid_hash, expires_at) VALUES (@sid_hash, @expires_at) ON CONFLICT (sid_hash) DO NOTHING',
  pruneConsoleSessions: 'DELETE FROM console_sessions WHERE expires_at <= @now',
  consoleSessionActive: 'SELECT 1 AS ok FROM console_sessions WHERE sid_hash = @sid_hash AND expires_at > @now',
  revokeConsoleSession: 'DELETE FROM console_sessions WHERE sid_hash = @sid_hash',
  // PaymentIntents and webhooks (0004_payment_intents.sql).
  /** Only a processing sale waits for its customer; a settled one keeps its outcome. */
  markRequiresAction: `UPDATE sales SET payment_intent_id = @payment_intent_id, client_secret = @client_secret,
      three_d_secure = COALESCE(three_d_secure, 'required'), updated_at = @now
    WHERE guid = @guid AND state = 'processing'`,
  /** By the PaymentIntent, or (a sale charged before PaymentIntents) the charge: the partial indexes of 0005. */
  markDisputed: `UPDATE sales SET disputed = 1, updated_at = @now
    WHERE (@payment_intent_id IS NOT NULL AND payment_intent_id = @payment_intent_id)
       OR (@charge_id IS NOT NULL AND payment_intent_id IS NULL AND charge_id IS NOT NULL AND charge_id = @charge_id)
    RETURNING guid`,
  insertWebhookEvent: `INSERT INTO webhook_events (id, type, sale_guid, payload, received_at)
    VALUES (@id, @type, @sale_guid, @payload, @now) ON CONFLICT (id) DO NOTHING`,
  setWebhookEventJob: 'UPDATE webhook_events SET job_id = @job_id WHERE id = @id',
  getWebhookEvent: 'SELECT * FROM webhook_events WHERE id = @id',
  markWebhookEventHandled: `UPDATE webhook_events SET handled_at = @now, outcome = @outcome, sale_guid = COALESCE(sale_guid, @sale_guid)
    WHERE id = @id`,
  listWebhookEvents: 'SELECT * FROM webhook_events WHERE sale_guid = @sale_guid ORDER BY received_at, id LIMIT @limit',
  /** The (state, id) index: processing sales, oldest first. */
  listStaleProcessing: `SELECT ${SALE_COLUMNS} FROM sales s JOIN products p ON p.id = s.product_id
    WHERE s.state = 'processing' AND s.updated_at < @before ORDER BY s.id LIMIT @limit`,
} as const;

export type QueryName = keyof typeof SQL;
