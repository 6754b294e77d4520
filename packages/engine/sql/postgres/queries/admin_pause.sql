-- Pause ($2 = true) or resume ($2 = false) queue $1; claim.sql honours it at the next fetch.
INSERT INTO {schema}.errand_queues (name, paused, updated_at) VALUES ($1, $2, now())
ON CONFLICT (name) DO UPDATE SET paused = EXCLUDED.paused, updated_at = now()
