-- Two things an install in a schema of its own needs, and tracing.
--
-- 1. The insert trigger's wake-up channel becomes the trigger's argument, filled in per install
--    ({channel}: 'errand_jobs' for the default place, 'errand_jobs:<schema>' for a schema), so
--    two installs in two schemas of one database wake only their own workers. The function is
--    replaced in place (its body no longer names a channel); the trigger is recreated with the
--    argument. Both are catalogue changes, taken under this file's transaction.
-- 2. trace_context: the enqueuing request's W3C trace context ({"traceparent": …, "tracestate": …}
--    as text), written only when OpenTelemetry is installed and a span was active at enqueue, so
--    the attempt's span can be its child. NULL otherwise; a nullable column without a default is
--    a catalogue change only: no table rewrite.
--
-- Like every migration, this runs with search_path set to the install's schema (SET LOCAL, on the
-- engine's own connection), so the unqualified names below are that install's.
CREATE OR REPLACE FUNCTION errand_notify_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE q text;
BEGIN
  FOR q IN SELECT DISTINCT queue FROM new_rows WHERE state = 'available' LOOP
    PERFORM pg_notify(TG_ARGV[0], q);
  END LOOP;
  RETURN NULL;
END $$;

DROP TRIGGER errand_jobs_notify ON errand_jobs;
CREATE TRIGGER errand_jobs_notify AFTER INSERT ON errand_jobs
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION errand_notify_insert({channel});

ALTER TABLE errand_jobs ADD COLUMN trace_context text;
