/**
 * Errand's public API. Every name here is chosen; nothing is re-exported wholesale.
 */
export { Admin, BULK_LIMIT } from './admin.js';
export type { JobFilter, JobPage, JobPageRequest, QueueCounts, ThroughputPoint, WorkerInfo } from './admin.js';
export { DEFAULT_MAX_ATTEMPTS, defaultBackoff } from './backoff.js';
export { createErrand, Errand } from './client.js';
export type { DrainResult, ErrandOptions } from './client.js';
export { delayable } from './delay.js';
export type { Delayed, DelayOptions } from './delay.js';
export type { Driver, DriverCapabilities } from './drivers/driver.js';
export { ErrandError, JobTimeoutError, PermanentError } from './errors.js';
export type { ErrandErrorCode } from './errors.js';
export type { ErrandEventName, ErrandEvents } from './events.js';
export { defineJob } from './job.js';
export type { Handler, JobContext, JobDefinition, JobDefinitionInput, JobRequest } from './job.js';
export { JOB_STATES } from './types.js';
export type { AttemptError, ClaimedJob, EnqueuedJob, EnqueueOptions, JobRecord, JobState, Json } from './types.js';
export { DEFAULT_DATABASE_URL, parseDatabaseUrl, redact } from './url.js';
export { parseQueues, Worker } from './worker/worker.js';
export type { WorkerOptions } from './worker/worker.js';
export { stopOnSignals } from './signals.js';
export { SqliteDriver } from './drivers/sqlite/driver.js';
export type { SqliteDriverOptions } from './drivers/sqlite/driver.js';
export { PostgresDriver } from './drivers/postgres/driver.js';
export type { PostgresDriverOptions } from './drivers/postgres/driver.js';
