/**
 * Errand's public API. Every name here is chosen; nothing is re-exported wholesale.
 *
 * The driver seam (drivers/driver.ts) is deliberately not exported: see the comment there.
 */
export { Admin, BULK_LIMIT } from './admin.js';
export type { JobFilter, JobPage, JobPageRequest, QueueCounts, RateLimitInfo, ScheduleInfo, ScheduleRecord, ThroughputPoint, WorkerInfo } from './admin.js';
export { DEFAULT_MAX_ATTEMPTS, defaultBackoff } from './backoff.js';
export { createErrand, Errand } from './client.js';
export type { DrainResult, EnqueueInTxOptions, ErrandOptions } from './client.js';
export type { OutboxOption } from './outbox/open.js';
export { delayable } from './delay.js';
export type { Delayed, DelayOptions } from './delay.js';
export type {
  PgClient, PgPool, PgPoolClient, PgQueryable, PgQueryConfig, PgQueryResult, SqliteDatabase, SqliteStatement, Transaction,
} from './drivers/connections.js';
export { deferFsync, openSqlite, type WithoutFsync } from './drivers/sqlite/open.js';
export type { OpenSqliteOptions } from './drivers/sqlite/open.js';
export { ErrandError, JobTimeoutError, PermanentError } from './errors.js';
export type { ErrandErrorCode } from './errors.js';
/** Masks card tokens, payment methods, client secrets and API keys in a text (what the engine applies to stored errors). */
export { redactSecrets } from './redact.js';
export type { ErrandEventName, ErrandEvents } from './events.js';
export { defineJob } from './job.js';
export type { Handler, JobContext, JobDefinition, JobDefinitionInput, JobRequest } from './job.js';
export { loadMigrations, runPostgresMigrations, runSqliteMigrations } from './migrations.js';
export type { Migration, MigrationOptions, PostgresMigrationOptions } from './migrations.js';
export type { JsonPayload, JsonPayloadCheck } from './payload.js';
export { FINISHED_STATES, JOB_STATES } from './types.js';
export type { AttemptError, AttemptErrorKind, ClaimedJob, EnqueuedJob, EnqueueOptions, JobRecord, JobState, Json, TraceCarrier } from './types.js';
export { DEFAULT_DATABASE_URL, parseDatabaseUrl, redact } from './url.js';
export { parseQueues, Worker } from './worker/worker.js';
export type { WorkerOptions } from './worker/worker.js';
export { defineSchedule, ON_TIME_MS } from './schedules/schedule.js';
export type { CatchUp, ScheduleDefinition, ScheduleInput } from './schedules/schedule.js';
export type { RateLimitOptions } from './rate-limits.js';
export { stopOnSignals } from './signals.js';
