-- Make history's partitions for the UTC days from $1 days before today to $2 days after, by the
-- server's clock (finished_at is now() there), those missing only. Returns how many were made.
SELECT {schema}.errand_history_ensure('{schema}.errand_jobs_history',
  (now() AT TIME ZONE 'UTC')::date - $1::int, (now() AT TIME ZONE 'UTC')::date + $2::int) AS made
