-- Count @starts job starts of key @rate_key in window @window. A row of an earlier window starts
-- over; one of a later window (the clock went back) keeps counting there.
INSERT INTO errand_rate_windows (queue, rate_key, window_start, starts)
VALUES (@queue, @rate_key, @window, @starts)
ON CONFLICT (queue, rate_key) DO UPDATE SET
  starts = CASE WHEN window_start >= excluded.window_start THEN starts + excluded.starts ELSE excluded.starts END,
  window_start = max(window_start, excluded.window_start)
