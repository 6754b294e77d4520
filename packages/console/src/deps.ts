import type { Errand, JobState, QueueCounts } from 'errand';
import { Snapshot } from './snapshot.js';

/**
 * State counts are capped so a page never counts a million rows: "10,000+". (The engine walks
 * an index and stops at the cap; 10,000 keeps that walk to a few milliseconds.)
 */
export const COUNT_CAP = 10_000;

/** What the console's own pages read from: the engine's admin API. */
export interface Deps {
  errand: Errand;
  /** Shared snapshots of the two reads that grow with the number of unfinished jobs. */
  counts: Snapshot<Record<JobState, number>>;
  queues: Snapshot<QueueCounts[]>;
  /** After an action: the next page reads fresh counts. */
  invalidate(): void;
}

export function makeDeps(errand: Errand): Deps {
  const counts = new Snapshot(() => errand.admin.stateCounts(COUNT_CAP));
  const queues = new Snapshot(() => errand.admin.queues());
  return {
    errand,
    counts,
    queues,
    invalidate() {
      counts.invalidate();
      queues.invalidate();
    },
  };
}

/** One query or form parameter as a trimmed string of at most `max` characters ('' when missing or not a string; the first of repeated ones). */
export function param(q: unknown, name: string, max = 500): string {
  if (!q || typeof q !== 'object') return '';
  const v = (q as Record<string, unknown>)[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s.trim().slice(0, max) : '';
}

/** Queue and job names as the engine accepts them (defineJob, enqueue, workers): 1-200 letters, digits or _ . : - /. */
export const NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;
