-- A job's result (the handler's JSON return value, written with the completion) and its last
-- progress report (ctx.progress, written throttled while it runs). Both JSON text, NULL when none;
-- pruned with the job. Adding a nullable column rewrites nothing.
ALTER TABLE errand_jobs ADD COLUMN result TEXT;
ALTER TABLE errand_jobs ADD COLUMN progress TEXT;
