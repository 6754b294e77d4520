INSERT INTO errand_queues (name, paused, updated_at) VALUES (@name, @paused, @now)
ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, updated_at = @now
