-- Whether a job still waits in the outbox (waitForJob on a job not relayed yet).
SELECT 1 AS held FROM errand_outbox WHERE id = $1
