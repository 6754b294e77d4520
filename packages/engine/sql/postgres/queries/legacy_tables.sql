-- Migrating into schema $1: is there an install in the default place as well, i.e. does the
-- connection's search_path find an errand_jobs table in another schema? Its schema, or no row.
-- Read once, after a run that created the schema's tables, to say what was left where it was.
SELECT n.nspname AS schema
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass('errand_jobs') AND n.nspname <> $1
