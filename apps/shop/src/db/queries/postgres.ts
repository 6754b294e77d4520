/** Every SQL statement the shop runs on PostgreSQL, one named constant each (no SQL elsewhere). */

import { SALE_COLUMNS } from './columns.js';

export const SQL = {
  ping: 'SELECT 1 AS ok',
  listProducts: 'SELECT * FROM products ORDER BY id',
  getProduct: 'SELECT * FROM products WHERE permalink = $1',
  seedProduct: `INSERT INTO products (permalink, name, description, price, currency, delivery)
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (permalink) DO NOTHING`,

  /**
   * ON CONFLICT (form_key) DO NOTHING: a concurrent submit with the same key waits for the first
   * transaction, then inserts nothing; RETURNING tells which case we are in without a race.
   */
  insertSale: `INSERT INTO sales (guid, product_id, amount, currency, email, stripe_token, form_key, state)
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')
    ON CONFLICT (form_key) DO NOTHING RETURNING id`,
  findByFormKey: 'SELECT guid, product_id FROM sales WHERE form_key = $1',
  setChargeJob: 'UPDATE sales SET charge_job_id = $2 WHERE guid = $1',

  // Group commit (PostgresStore.placeSales): the same three writes for a batch of sales, one
  // statement each, whatever the batch's size. Arrays in, one row per sale; same guards as above.
  insertSales: `INSERT INTO sales (guid, product_id, amount, currency, email, stripe_token, form_key, state)
    SELECT guid, product_id, amount, currency, email, stripe_token, form_key, 'pending'
    FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
      AS t(guid, product_id, amount, currency, email, stripe_token, form_key)
    ON CONFLICT (form_key) DO NOTHING RETURNING guid`,
  findByFormKeys: 'SELECT guid, product_id, form_key FROM sales WHERE form_key = ANY($1::text[])',
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
  // pending|processing → processing, returning the columns the charge sends (the charge job
  // needs no read of the sale first).
  startCharge: `UPDATE sales SET state = 'processing', updated_at = now()
    WHERE guid = $1 AND state IN ('pending', 'processing')
    RETURNING guid, amount, currency, email, stripe_token`,
  markFinished: `UPDATE sales SET state = 'finished', charge_id = $2, error_message = NULL, error_code = NULL, updated_at = now()
    WHERE guid = $1 AND state IN ('processing')`,
  markErrored: `UPDATE sales SET state = 'errored', error_message = $2, error_code = $3, updated_at = now()
    WHERE guid = $1 AND state IN ('processing')`,
  markRefunded: `UPDATE sales SET state = 'refunded', updated_at = now()
    WHERE guid = $1 AND state IN ('finished')`,

  /** FOR UPDATE: two refund clicks serialize here; the second sees refund_job_id set. */
  refundable: 'SELECT state, refund_job_id FROM sales WHERE guid = $1 FOR UPDATE',
  setRefundJob: `UPDATE sales SET refund_job_id = $2, updated_at = now()
    WHERE guid = $1 AND state = 'finished' AND refund_job_id IS NULL`,
} as const;
