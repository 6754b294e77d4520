-- POST /buy refuses a card token already used by another sale (issue 13, finding 12): looked up
-- inside placeSale's transaction. Not UNIQUE: Stripe's magic test tokens (tok_visa, …) may be
-- used any number of times, and older databases may hold repeats.
CREATE INDEX sales_stripe_token ON sales (stripe_token);
