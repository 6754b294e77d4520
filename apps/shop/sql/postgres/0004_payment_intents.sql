-- PaymentIntents, 3-D Secure and webhooks (issue 11).
-- sales.stripe_token now holds the sale's payment source: a PaymentMethod (pm_…) made in the
-- browser, or a card token (tok_…, the seed's form). The column keeps its name so that old rows
-- and old code read the same.
ALTER TABLE sales ADD COLUMN payment_intent_id text;
-- Set while the PaymentIntent waits for the customer (requires_action); cleared when it settles.
ALTER TABLE sales ADD COLUMN client_secret text;
-- NULL (no 3-D Secure asked), required, authenticated, failed, abandoned.
ALTER TABLE sales ADD COLUMN three_d_secure text
  CHECK (three_d_secure IS NULL OR three_d_secure IN ('required', 'authenticated', 'failed', 'abandoned'));
ALTER TABLE sales ADD COLUMN disputed boolean NOT NULL DEFAULT false;

-- A webhook or a dispute names the PaymentIntent or the charge, not always the sale.
CREATE INDEX sales_payment_intent ON sales (payment_intent_id);
CREATE INDEX sales_charge ON sales (charge_id);

-- Every webhook event we accepted (signature checked), once: the id is Stripe's evt_….
CREATE TABLE webhook_events (
  id          text PRIMARY KEY,
  type        text NOT NULL,
  sale_guid   text,
  payload     text NOT NULL,
  job_id      bigint,
  received_at timestamptz NOT NULL DEFAULT now(),
  handled_at  timestamptz,
  outcome     text
);
CREATE INDEX webhook_events_sale ON webhook_events (sale_guid, received_at);
