/**
 * Errand's public API. Every name here is chosen; nothing is re-exported wholesale.
 */
export { Admin, BULK_LIMIT } from './admin.ts';
export type { JobFilter, JobPage, JobPageRequest, QueueCounts, ThroughputPoint, WorkerInfo } from './admin.ts';
export { DEFAULT_MAX_ATTEMPTS, defaultBackoff } from './backoff.ts';
export { createErrand, Errand } from './client.ts';
export type { DrainResult, ErrandOptions } from './client.ts';
export { delayable } from './delay.ts';
export type { Delayed, DelayOptions } from './delay.ts';
export type { Driver, DriverCapabilities } from './drivers/driver.ts';
export { ErrandError, JobTimeoutError, PermanentError } from './errors.ts';
export type { ErrandErrorCode } from './errors.ts';
export type { ErrandEventName, ErrandEvents } from './events.ts';
export { defineJob } from './job.ts';
export type { Handler, JobContext, JobDefinition, JobDefinitionInput, JobRequest } from './job.ts';
export { JOB_STATES } from './types.ts';
export type { AttemptError, ClaimedJob, EnqueuedJob, EnqueueOptions, JobRecord, JobState, Json } from './types.ts';
export { DEFAULT_DATABASE_URL, parseDatabaseUrl, redact } from './url.ts';
export { parseQueues, Worker } from './worker/worker.ts';
export type { WorkerOptions } from './worker/worker.ts';
export { stopOnSignals } from './signals.ts';
export { SqliteDriver } from './drivers/sqlite/driver.ts';
export type { SqliteDriverOptions } from './drivers/sqlite/driver.ts';
export { PostgresDriver } from './drivers/postgres/driver.ts';
export type { PostgresDriverOptions } from './drivers/postgres/driver.ts';
