-- The id indexes of 0004 hold only the rows that carry an id. A dispute is looked up by the
-- PaymentIntent it names (sales_payment_intent), or, for a sale charged before PaymentIntents
-- (a charge id and no PaymentIntent), by its charge (sales_charge_legacy). Every sale charged
-- since has both ids and is kept out of the charge index, and a sale without ids (every sale at
-- checkout) is in neither: one index entry written per sale where 0004 wrote four — a NULL entry
-- in each at checkout, then each moved when the sale finished, a random leaf page per entry in
-- a commit of their own (the SQLite shop wrote 39 pages a sale against 30 before 0004).
DROP INDEX sales_payment_intent;
CREATE INDEX sales_payment_intent ON sales (payment_intent_id) WHERE payment_intent_id IS NOT NULL;
DROP INDEX sales_charge;
CREATE INDEX sales_charge_legacy ON sales (charge_id) WHERE payment_intent_id IS NULL AND charge_id IS NOT NULL;
