import { pino, type Logger } from 'pino';
import { ErrandError } from './errors.js';
import type { ErrandEmitter } from './events.js';
import { redactSecrets } from './redact.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Errand's default logger: pino, JSON lines, level from ERRAND_LOG_LEVEL (else LOG_LEVEL, else
 * info). A level pino does not know is an ErrandError naming the variable, not pino's own throw.
 */
export function defaultLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  const name = env.ERRAND_LOG_LEVEL !== undefined ? 'ERRAND_LOG_LEVEL' : 'LOG_LEVEL';
  const level = (env[name] ?? 'info').toLowerCase();
  if (!LEVELS.includes(level)) throw new ErrandError('ERRAND_BAD_OPTION', `${name} must be one of ${LEVELS.join(', ')}, got ${JSON.stringify(env[name])}`);
  return pino({ name: 'errand', level });
}

/**
 * Structured logs hang off the events: one line per event worth a line. Successes are debug
 * (a busy worker does thousands a second); failures, retries and deaths are warnings.
 * Payloads are never logged: they may carry personal data; error messages are logged with secrets
 * masked (redactSecrets), as they are stored.
 */
export function logEvents(events: ErrandEmitter, logger: Logger): void {
  const job = (j: { id: number; name: string; queue: string; attempt: number }) => ({ jobId: j.id, job: j.name, queue: j.queue, attempt: j.attempt });
  if (logger.isLevelEnabled('debug')) {
    events.on('job:start', (e) => logger.debug({ ...job(e.job), latencyMs: e.latencyMs }, 'job:start'));
    events.on('job:success', (e) => logger.debug({ ...job(e.job), durationMs: e.durationMs }, 'job:success'));
  }
  events.on('job:retry', (e) => logger.warn({ ...job(e.job), retryInMs: e.retryInMs, err: redactSecrets(e.error.message) }, 'job:retry'));
  events.on('job:dead', (e) => logger.error({ ...job(e.job), err: redactSecrets(e.error.message) }, 'job:dead'));
  events.on('job:rescued', (e) => logger.warn({ jobs: e.jobs.map((j) => j.id), count: e.jobs.length }, 'job:rescued'));
  events.on('worker:start', (e) => logger.info({ workerId: e.workerId, queues: e.queues }, 'worker:start'));
  events.on('worker:stop', (e) => logger.info({ workerId: e.workerId, released: e.released }, 'worker:stop'));
  events.on('db:error', (e) => logger.warn({ workerId: e.workerId, op: e.operation, err: redactSecrets(errMessage(e.error)) }, 'db:error'));
}

export function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
