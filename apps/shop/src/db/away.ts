/**
 * The database is away (restarting, failing over, unreachable, locked): the errors after which
 * nothing was written for certain or the write may simply be tried again. A request that meets
 * one past its ride-through deadline (rideThrough below) is answered 503 with Retry-After (routes/errors.ts), not 500.
 */
const DATABASE_AWAY = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', 'SQLITE_BUSY', 'SQLITE_LOCKED']);

import { setTimeout as sleep } from 'node:timers/promises';

/** How long a request rides through a database restart or failover before it answers 503. */
export const RIDE_THROUGH_MS = 10_000;

/**
 * Run `work`; while the database is away, try again (100 ms, doubling to 1 s) until `ms` have
 * passed, then let the last error through. `beforeRetry` runs first on every retry: a write
 * uses it to find what an unacknowledged COMMIT did (sales/place-order.ts). Only for work that
 * is safe to repeat.
 */
export async function rideThrough<T>(work: () => Promise<T>, ms = RIDE_THROUGH_MS, beforeRetry?: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let delay = 100;
  let retry = false;
  for (;;) {
    try {
      if (retry && beforeRetry) {
        const found = await beforeRetry();
        if (found !== undefined) return found;
      }
      retry = true;
      return await work();
    } catch (err) {
      if (!databaseAway(err) || Date.now() + delay > deadline) throw err;
      await sleep(delay);
      delay = Math.min(delay * 2, 1000);
    }
  }
}

export function databaseAway(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && DATABASE_AWAY.has(e.code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|terminating connection/i.test(e.message ?? '');
}
