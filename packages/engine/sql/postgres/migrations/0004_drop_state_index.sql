-- errand_jobs_state (state, id) held every job in every state, so each claim and each completion
-- wrote an entry in it (no update of errand_jobs is HOT: state is indexed). The console only
-- needs (state, id) for finished jobs, whose history is long: waiting jobs are paged by
-- errand_jobs_due and counted through it, running ones are few (at most what the workers hold)
-- and are found through errand_jobs_lease. A claim now writes three index entries, not four.
-- It also took complete.sql's plan astray (a walk of every running job of every worker).
CREATE INDEX errand_jobs_finished_id ON errand_jobs (state, id) WHERE state IN ('completed', 'dead');
DROP INDEX errand_jobs_state;
