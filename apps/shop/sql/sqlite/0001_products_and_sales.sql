-- Products and sales. Money in integer minor units with a currency code; times in ms since epoch.
CREATE TABLE products (
  id          INTEGER PRIMARY KEY,
  permalink   TEXT NOT NULL UNIQUE CHECK (permalink GLOB '[a-z0-9]*' AND length(permalink) <= 100),
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  price       INTEGER NOT NULL CHECK (price > 0),
  currency    TEXT NOT NULL CHECK (length(currency) = 3),
  -- What the buyer gets at pickup: an https:// link, or a file name under apps/shop/downloads/.
  delivery    TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE sales (
  id             INTEGER PRIMARY KEY,
  guid           TEXT NOT NULL UNIQUE,
  product_id     INTEGER NOT NULL REFERENCES products(id),
  amount         INTEGER NOT NULL CHECK (amount > 0),
  currency       TEXT NOT NULL,
  email          TEXT NOT NULL,
  stripe_token   TEXT NOT NULL,
  charge_id      TEXT,
  state          TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'processing', 'finished', 'errored', 'refunded')),
  error_message  TEXT,
  error_code     TEXT,
  -- The checkout form's one-time key: a repeated submit finds the first sale instead of making one.
  form_key       TEXT UNIQUE,
  charge_job_id  INTEGER,
  refund_job_id  INTEGER,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);

-- The console lists newest first, optionally by state, with keyset paging on id.
CREATE INDEX sales_state_id ON sales (state, id);
CREATE INDEX sales_email ON sales (email);
