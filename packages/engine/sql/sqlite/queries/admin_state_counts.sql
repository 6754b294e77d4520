-- Jobs per state, each count capped at @cap (an index walk of errand_jobs_state that stops).
SELECT s.value AS state,
       (SELECT count(*) FROM (SELECT 1 FROM errand_jobs j WHERE j.state = s.value LIMIT @cap)) AS n
FROM json_each('["scheduled","available","running","retryable","completed","dead","cancelled"]') s
