-- Products and sales. Money in integer minor units with a currency code.
CREATE TABLE products (
  id          bigserial PRIMARY KEY,
  permalink   text NOT NULL UNIQUE CHECK (permalink ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  price       bigint NOT NULL CHECK (price > 0),
  currency    text NOT NULL CHECK (length(currency) = 3),
  -- What the buyer gets at pickup: an https:// link, or a file name under apps/shop/downloads/.
  delivery    text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sales (
  id             bigserial PRIMARY KEY,
  guid           text NOT NULL UNIQUE,
  product_id     bigint NOT NULL REFERENCES products(id),
  amount         bigint NOT NULL CHECK (amount > 0),
  currency       text NOT NULL,
  email          text NOT NULL,
  stripe_token   text NOT NULL,
  charge_id      text,
  state          text NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'processing', 'finished', 'errored', 'refunded')),
  error_message  text,
  error_code     text,
  -- The checkout form's one-time key: a repeated submit finds the first sale instead of making one.
  form_key       text UNIQUE,
  charge_job_id  bigint,
  refund_job_id  bigint,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- The console lists newest first, optionally by state, with keyset paging on id.
CREATE INDEX sales_state_id ON sales (state, id);
CREATE INDEX sales_email ON sales (email);
