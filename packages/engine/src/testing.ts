import { isDeepStrictEqual } from 'node:util';
import type { Errand } from './client.js';
import { ErrandError } from './errors.js';
import type { JobDefinition } from './job.js';
import type { JobRecord, JobState } from './types.js';

/**
 * Test helpers for Errand users (like Oban.Testing and River's rivertest):
 * - `createErrand({ databaseUrl: 'memory:', mode: 'inline' })` runs each job at enqueue;
 * - `assertEnqueued(errand, job, payloadSubset?)` checks that a matching job waits to run;
 * - `errand.drain()` runs everything due and returns what ran.
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
