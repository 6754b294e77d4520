-- PaymentIntents, 3-D Secure and webhooks (issue 11).
-- sales.stripe_token now holds the sale's payment source: a PaymentMethod (pm_…) made in the
-- browser, or a card token (tok_…, the seed's form). The column keeps its name so that old rows
-- and old code read the same.
ALTER TABLE sales ADD COLUMN payment_intent_id TEXT;
-- Set while the PaymentIntent waits for the customer (requires_action); cleared when it settles.
ALTER TABLE sales ADD COLUMN client_secret TEXT;
-- NULL (no 3-D Secure asked), required, authenticated, failed, abandoned.
ALTER TABLE sales ADD COLUMN three_d_secure TEXT
  CHECK (three_d_secure IS NULL OR three_d_secure IN ('required', 'authenticated', 'failed', 'abandoned'));
ALTER TABLE sales ADD COLUMN disputed INTEGER NOT NULL DEFAULT 0 CHECK (disputed IN (0, 1));

-- A webhook or a dispute names the PaymentIntent or the charge, not always the sale.
CREATE INDEX sales_payment_intent ON sales (payment_intent_id);
CREATE INDEX sales_charge ON sales (charge_id);

-- Every webhook event we accepted (signature checked), once: the id is Stripe's evt_….
CREATE TABLE webhook_events (
  id          TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  sale_guid   TEXT,
  payload     TEXT NOT NULL,
  job_id      INTEGER,
  received_at INTEGER NOT NULL,
  handled_at  INTEGER,
  outcome     TEXT
);
CREATE INDEX webhook_events_sale ON webhook_events (sale_guid, received_at);
