import { isDeepStrictEqual } from 'node:util';
import type { Errand } from './client.js';
import { ErrandError } from './errors.js';
import type { ErrandEventName, ErrandEvents } from './events.js';
import type { JobDefinition } from './job.js';
import type { JobRecord, JobState } from './types.js';

/**
 * Test helpers for Errand users (like Oban.Testing and River's rivertest):
 * - `createErrand({ databaseUrl: 'memory:', mode: 'inline' })` runs each job at enqueue;
 * - `assertEnqueued(errand, job, payloadSubset?)` checks that a matching job waits to run;
 * - `errand.drain()` runs everything due and returns what ran;
 * - `waitForEvent(errand, 'job:success', …)` and `eventually(check)` wait on signals, not sleeps.
 */

const WAITING: JobState[] = ['available', 'scheduled', 'retryable'];

/** Jobs of this definition waiting to run whose payload contains `subset` (deep partial match). */
export async function enqueuedJobs<P>(errand: Errand, job: JobDefinition<P>, subset?: Partial<P>): Promise<JobRecord[]> {
  const found: JobRecord[] = [];
  for (const state of WAITING) {
    let cursor: string | null = null;
    do {
      const page = await errand.admin.listJobs({ state, name: job.name, limit: 500, cursor });
      found.push(...page.jobs.filter((j) => subset === undefined || contains(j.payload, subset)));
      cursor = page.next;
    } while (cursor);
  }
  return found;
}

/** Throws unless a job of this definition (and payload subset) is waiting to run. Returns it. */
export async function assertEnqueued<P>(errand: Errand, job: JobDefinition<P>, subset?: Partial<P>): Promise<JobRecord> {
  const [first] = await enqueuedJobs(errand, job, subset);
  if (!first) {
    const what = subset === undefined ? '' : ` with payload containing ${JSON.stringify(subset)}`;
    throw new ErrandError('ERRAND_ASSERTION', `expected a ${job.name} job${what} to be enqueued, found none`);
  }
  return first;
}

/** Throws if a job of this definition (and payload subset) is waiting to run. */
export async function refuteEnqueued<P>(errand: Errand, job: JobDefinition<P>, subset?: Partial<P>): Promise<void> {
  const found = await enqueuedJobs(errand, job, subset);
  if (found.length) throw new ErrandError('ERRAND_ASSERTION', `expected no ${job.name} job to be enqueued, found ${found.length} (first id ${found[0].id})`);
}

function contains(actual: unknown, subset: unknown): boolean {
  if (subset === null || typeof subset !== 'object' || Array.isArray(subset)) return isDeepStrictEqual(actual, subset);
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(subset as Record<string, unknown>).every(([k, v]) => contains((actual as Record<string, unknown>)[k], v));
}

/** Anything events can be subscribed to: an `Errand` (or its `events`). */
export interface EventSource {
  on<E extends ErrandEventName>(event: E, listener: (payload: ErrandEvents[E]) => void): () => void;
}

/**
 * Resolve with the first `event` whose payload satisfies `predicate` (any payload without one);
 * reject after `timeoutMs` with an error naming the event that never came. Subscribe before you
 * act, so an event fired at once is not missed, and wait on it instead of sleeping:
 *
 * ```ts
 * const done = waitForEvent(errand, 'job:success', (e) => e.job.id === id);
 * await worker.start();
 * await done;
 * ```
 *
 * The listener is removed either way. The timeout is a `setTimeout`: under fake timers it fires
 * only when the clock is advanced.
 */
export function waitForEvent<E extends ErrandEventName>(
  source: EventSource,
  event: E,
  predicate: (payload: ErrandEvents[E]) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<ErrandEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${event}`));
    }, timeoutMs);
    const off = source.on(event, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/**
 * Call `check` until it returns a truthy value, and resolve with that value; for state no event
 * announces (a row another process writes, a page that changes). Tries at once, then after 10,
 * 20, 40 … ms (at most 200 between tries); after `timeoutMs` rejects with an error naming `what`.
 * A `check` that throws rejects at once. Prefer `waitForEvent` where an event exists.
 *
 * ```ts
 * await eventually(async () => (await errand.admin.getJob(id))?.state === 'completed', 5000, `job ${id} completed`);
 * ```
 *
 * It reads `Date.now()` and waits with `setTimeout`: under fake timers, advance the clock (for
 * example with `vi.advanceTimersByTimeAsync`) for it to try again.
 */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}
