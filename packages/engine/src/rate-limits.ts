import type { StoredRateLimit } from './drivers/driver.js';
import { ErrandError } from './errors.js';
import { textProblem } from './payload.js';

/**
 * A queue's rate limit: at most `limit` job starts per `intervalMs`, counted in the database so
 * every process serving the queue shares it. Windows are fixed: multiples of `intervalMs` since
 * the epoch, by the database's clock (docs/engine.md, Rate limits).
 */
export interface RateLimitOptions {
  /** Job starts allowed per window (1 to 1,000,000). */
  limit: number;
  /** The window's length in ms (10 ms to 7 days). */
  intervalMs: number;
  /**
   * Count per key instead of per queue: each job's key comes from its definition's
   * `rateLimitKey(payload)` (or the `rateLimitKey` enqueue option); jobs without one share one
   * window. Default false.
   */
  perKey?: boolean;
}

const QUEUE_NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;
const MAX_INTERVAL_MS = 7 * 24 * 3600_000;

/** Validate `createErrand({ rateLimits })` into the rows to store. */
export function toStoredRateLimits(limits: Record<string, RateLimitOptions> | undefined): StoredRateLimit[] {
  if (limits === undefined) return [];
  if (limits === null || typeof limits !== 'object' || Array.isArray(limits)) {
    throw new ErrandError('ERRAND_BAD_OPTION', 'rateLimits must be an object of queue name → { limit, intervalMs, perKey? }');
  }
  return Object.entries(limits).map(([queue, o]) => {
    const where = `rateLimits.${queue}`;
    if (!QUEUE_NAME.test(queue)) throw new ErrandError('ERRAND_BAD_OPTION', `${where}: a queue name must be 1-200 letters, digits or _ . : - /`);
    if (!o || typeof o !== 'object') throw new ErrandError('ERRAND_BAD_OPTION', `${where} must be { limit, intervalMs, perKey? }`);
    if (!Number.isInteger(o.limit) || o.limit < 1 || o.limit > 1_000_000) {
      throw new ErrandError('ERRAND_BAD_OPTION', `${where}.limit must be a whole number of job starts from 1 to 1000000, got ${o.limit}`);
    }
    if (!Number.isInteger(o.intervalMs) || o.intervalMs < 10 || o.intervalMs > MAX_INTERVAL_MS) {
      throw new ErrandError('ERRAND_BAD_OPTION', `${where}.intervalMs must be a whole number of milliseconds from 10 to ${MAX_INTERVAL_MS} (7 days), got ${o.intervalMs}`);
    }
    if (o.perKey !== undefined && typeof o.perKey !== 'boolean') throw new ErrandError('ERRAND_BAD_OPTION', `${where}.perKey must be true or false`);
    return { queue, limit: o.limit, intervalMs: o.intervalMs, perKey: o.perKey ?? false };
  });
}

/** A job's rate-limit key as stored: null for none; otherwise 1-200 characters of text. */
export function checkRateKey(key: unknown, where: string): string | null {
  if (key === undefined || key === null) return null;
  if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
    throw new ErrandError('ERRAND_BAD_OPTION', `${where}rateLimitKey must be a non-empty string of at most 200 characters, got ${typeof key === 'string' ? JSON.stringify(key.slice(0, 40)) : typeof key}`);
  }
  const problem = textProblem(key);
  if (problem) throw new ErrandError('ERRAND_BAD_OPTION', `${where}rateLimitKey ${problem}`);
  return key;
}
