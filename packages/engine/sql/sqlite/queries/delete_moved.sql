-- The second half of every move into history: the rows just copied (@ids, JSON array: the ids the
-- copy returned) leave errand_jobs, in the same BEGIN IMMEDIATE transaction, so a job is in one
-- table or the other, never both nor neither.
DELETE FROM errand_jobs WHERE id IN (SELECT value FROM json_each(@ids))
