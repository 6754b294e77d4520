/** Every SQL statement the shop runs on PostgreSQL, one named constant each (no SQL elsewhere). */

import { SALE_COLUMNS } from './columns.js';

export const SQL = {
  ping: 'SELECT 1 AS ok',
  listProducts: 'SELECT * FROM products ORDER BY id',
  getProduct: 'SELECT * FROM products WHERE permalink = $1',
  seedProduct: `INSERT INTO products (permalink, name, description, price, currency, delivery)
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (permalink) DO NOTHING`,

  /**
   * placeSales with single-use tokens: a transaction-scoped lock per token (key space 724590)
   * serialises the batches that share one, so of ten parallel posts one inserts and the others
   * see it. Taken in key order, so two batches never wait on each other in a cycle.
   */
  lockTokens: `SELECT pg_advisory_xact_lock(724590, k)
    FROM (SELECT DISTINCT hashtext(t) AS k FROM unnest($1::text[]) AS t ORDER BY 1) AS keys`,
  usedTokens: 'SELECT DISTINCT stripe_token FROM sales WHERE stripe_token = ANY($1::text[])',

  // Group commit (PostgresStore.placeSales): every sale goes in a batch, written with one
  // statement per step whatever the batch's size; arrays in, one row per sale.
  // ON CONFLICT (form_key) DO NOTHING: a concurrent submit with the same key waits for the first
  // transaction, then inserts nothing; RETURNING tells which case we are in without a race.
  insertSales: `INSERT INTO sales (guid, product_id, amount, currency, email, stripe_token, form_key, state)
    SELECT guid, product_id, amount, currency, email, stripe_token, form_key, 'pending'
    FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
      AS t(guid, product_id, amount, currency, email, stripe_token, form_key)
    ON CONFLICT (form_key) DO NOTHING RETURNING guid`,
  findByFormKeys: 'SELECT guid, product_id, form_key, email, stripe_token FROM sales WHERE form_key = ANY($1::text[])',
  setChargeJobs: `UPDATE sales s SET charge_job_id = d.job_id
    FROM unnest($1::text[], $2::bigint[]) AS d(guid, job_id) WHERE s.guid = d.guid`,

  getSale: `SELECT ${SALE_COLUMNS} FROM sales s JOIN products p ON p.id = s.product_id WHERE s.guid = $1`,
  /** Keyset paging newest first: id < $2; the (state, id) index serves the state filter. */
  listSales: `SELECT ${SALE_COLUMNS} FROM sales s JOIN products p ON p.id = s.product_id
    WHERE ($1::text IS NULL OR s.state = $1)
      AND ($2::bigint IS NULL OR s.id < $2)
      AND ($3::text IS NULL OR s.email ILIKE $3 OR s.guid LIKE $3)
    ORDER BY s.id DESC LIMIT $4`,
  countSales: 'SELECT state, COUNT(*)::int AS n FROM sales GROUP BY state',

  // Guarded transitions (sales/states.ts TRANSITIONS): the WHERE lists the states each may come from.
  // startCharge and markFinished take arrays, one element per sale: PostgresStore's
  // WriteBatchers send every worker slot's call that waited for the last statement in one
  // (a call alone is an array of one).
  // pending|processing → processing, returning the columns the charge sends (the charge job
  // needs no read of the sale first).
  startCharge: `UPDATE sales SET state = 'processing', updated_at = now()
    WHERE guid = ANY($1::text[]) AND state IN ('pending', 'processing')
    RETURNING guid, amount, currency, email, stripe_token`,
  // Settling clears the client secret (nothing is left to authenticate); a challenge that was
  // asked and then settled was answered, unless the caller says it failed or was abandoned.
  markFinished: `UPDATE sales s SET state = 'finished', charge_id = v.charge_id, error_message = NULL, error_code = NULL,
      payment_intent_id = COALESCE(v.payment_intent_id, s.payment_intent_id), client_secret = NULL,
      three_d_secure = CASE WHEN s.three_d_secure = 'required' THEN 'authenticated' ELSE s.three_d_secure END, updated_at = now()
    FROM unnest($1::text[], $2::text[], $3::text[]) AS v(guid, charge_id, payment_intent_id)
    WHERE s.guid = v.guid AND s.state IN ('processing')
    RETURNING s.guid`,
  markErrored: `UPDATE sales SET state = 'errored', error_message = $2, error_code = $3,
      payment_intent_id = COALESCE($5, payment_intent_id), client_secret = NULL,
      three_d_secure = COALESCE($4, CASE WHEN three_d_secure = 'required' THEN 'authenticated' ELSE three_d_secure END), updated_at = now()
    WHERE guid = $1 AND state IN ('processing')`,
  markRefunded: `UPDATE sales SET state = 'refunded', updated_at = now()
    WHERE guid = $1 AND state IN ('finished')`,

  /** FOR UPDATE: two refund clicks serialize here; the second sees refund_job_id set. */
  refundable: 'SELECT state, refund_job_id FROM sales WHERE guid = $1 FOR UPDATE',
  setRefundJob: `UPDATE sales SET refund_job_id = $2, updated_at = now()
    WHERE guid = $1 AND state = 'finished' AND refund_job_id IS NULL`,

  // The console's live sessions (admin/session-store.ts); $2 in ms since the epoch.
  addConsoleSession: 'INSERT INTO console_sessions (sid_hash, expires_at) VALUES ($1, to_timestamp($2 / 1000.0)) ON CONFLICT (sid_hash) DO NOTHING',
  pruneConsoleSessions: 'DELETE FROM console_sessions WHERE expires_at <= now()',
  consoleSessionActive: 'SELECT 1 AS ok FROM console_sessions WHERE sid_hash = $1 AND expires_at > now()',
  revokeConsoleSession: 'DELETE FROM console_sessions WHERE sid_hash = $1',
  // PaymentIntents and webhooks (0004_payment_intents.sql).
  /** Only a processing sale waits for its customer; a settled one keeps its outcome. */
  markRequiresAction: `UPDATE sales SET payment_intent_id = $2, client_secret = $3,
      three_d_secure = COALESCE(three_d_secure, 'required'), updated_at = now()
    WHERE guid = $1 AND state = 'processing'`,
  /** By the PaymentIntent, or (a sale charged before PaymentIntents) the charge: the partial indexes of 0005. */
  markDisputed: `UPDATE sales SET disputed = true, updated_at = now()
    WHERE ($1::text IS NOT NULL AND payment_intent_id = $1)
       OR ($2::text IS NOT NULL AND payment_intent_id IS NULL AND charge_id IS NOT NULL AND charge_id = $2)
    RETURNING guid`,
  /** ON CONFLICT DO NOTHING RETURNING: a duplicate delivery inserts nothing, without a race. */
  insertWebhookEvent: `INSERT INTO webhook_events (id, type, sale_guid, payload)
    VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING id`,
  setWebhookEventJob: 'UPDATE webhook_events SET job_id = $2 WHERE id = $1',
  getWebhookEvent: 'SELECT * FROM webhook_events WHERE id = $1',
  markWebhookEventHandled: `UPDATE webhook_events SET handled_at = now(), outcome = $2, sale_guid = COALESCE(sale_guid, $3)
    WHERE id = $1`,
  listWebhookEvents: 'SELECT * FROM webhook_events WHERE sale_guid = $1 ORDER BY received_at, id LIMIT $2',
  /** The (state, id) index: processing sales, oldest first. */
  listStaleProcessing: `SELECT ${SALE_COLUMNS} FROM sales s JOIN products p ON p.id = s.product_id
    WHERE s.state = 'processing' AND s.updated_at < $1 ORDER BY s.id LIMIT $2`,
} as const;

/** The writes only job handlers make: see PostgresStoreOptions.jobsOnThisDatabase. */
export const JOB_WRITES = ['startCharge', 'markFinished', 'markErrored', 'markRefunded', 'markRequiresAction', 'markDisputed', 'markWebhookEventHandled'] as const;
export type JobWrite = (typeof JOB_WRITES)[number];

/**
 * A job write that commits without waiting for its WAL flush: `synchronous_commit` off for its
 * own (implicit) transaction, set in its WHERE clause as the engine's claim does — an InitPlan
 * evaluated once, before any row is changed. Each of these statements has one WHERE and at most
 * a RETURNING after it (tested).
 */
export function withoutFlush(sql: string): string {
  const m = /^([\s\S]*?)\bWHERE\b([\s\S]*?)(\s+RETURNING\b[\s\S]*)?$/.exec(sql);
  if (!m || /\bWHERE\b/.test(m[2])) throw new Error(`withoutFlush: expected one WHERE in ${sql}`);
  return `${m[1]}WHERE (${m[2].trim()})\n      AND (SELECT set_config('synchronous_commit', 'off', true)) = 'off'${m[3] ?? ''}`;
}

