-- Every job is inserted, updated two or three times and later deleted: errand_jobs churns far
-- faster than PostgreSQL's default thresholds (20% of the table) notice. Dead index entries then
-- pile up under the fetch index, and a claim's scan reads hundreds of buffers instead of a few.
-- Vacuum this table after 1% has changed, without the cost-based pauses.
ALTER TABLE errand_jobs SET (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_insert_scale_factor = 0.01,
  autovacuum_analyze_scale_factor = 0.02,
  autovacuum_vacuum_cost_delay = 0
);
