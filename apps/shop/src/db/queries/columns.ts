/** The columns a sale is read with, joined to its product: the same on SQLite and PostgreSQL. */
export const SALE_COLUMNS = `s.id, s.guid, s.product_id, p.name AS product_name, p.permalink AS product_permalink,
  s.amount, s.currency, s.email, s.stripe_token, s.charge_id, s.state, s.error_message, s.error_code,
  s.form_key, s.charge_job_id, s.refund_job_id, s.payment_intent_id, s.client_secret, s.three_d_secure, s.disputed,
  s.created_at, s.updated_at`;
