-- A job's result (the handler's JSON return value, written with the completion) and its last
-- progress report (ctx.progress, written throttled while it runs). NULL when none; pruned with
-- the job. A nullable column without a default is a catalogue change only: no table rewrite.
ALTER TABLE errand_jobs ADD COLUMN result jsonb;
ALTER TABLE errand_jobs ADD COLUMN progress jsonb;
