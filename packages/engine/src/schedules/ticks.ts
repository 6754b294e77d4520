import type { Cron } from 'croner';
import { type CatchUp, ON_TIME_MS } from './schedule.js';

/** The most on-time ticks made in one pass (a per-second schedule makes a handful). */
const MAX_ON_TIME = 1000;

export interface TickPlan {
  /** The ticks to make jobs for, oldest first. */
  ticks: Date[];
  /** The new cursor: the latest tick at or before now (every tick up to it is decided). */
  cursor: Date;
  /** Whether ticks were missed (older than ON_TIME_MS) — made or skipped per the policy. */
  missed: boolean;
}

/**
 * Which ticks of `pattern` to make jobs for, given the cursor (ticks up to it are decided) and
 * the database's now. On-time ticks (within ON_TIME_MS of now) are always made; missed ones
 * follow `catchUp`. Null when no tick fell since the cursor. Pure: the caller decides in the
 * transaction that holds the schedule's row.
 */
export function planTicks(pattern: Cron, cursor: Date, now: Date, catchUp: CatchUp): TickPlan | null {
  const [latest] = pattern.previousRuns(1, now);
  if (!latest || latest.getTime() <= cursor.getTime() || latest.getTime() > now.getTime()) return null;
  const edge = new Date(Math.max(cursor.getTime(), now.getTime() - ON_TIME_MS));
  const onTime: Date[] = [];
  for (let t = pattern.nextRun(edge); t && t.getTime() <= now.getTime() && onTime.length < MAX_ON_TIME; t = pattern.nextRun(t)) {
    if (t.getTime() > edge.getTime()) onTime.push(t);
  }
  const firstAfterCursor = pattern.nextRun(cursor);
  const missed = firstAfterCursor !== null && firstAfterCursor.getTime() <= edge.getTime();
  let caught: Date[] = [];
  if (missed && catchUp !== 'skip') {
    const n = catchUp === 'once' ? 1 : catchUp.backfill;
    // Runs up to and including the edge: croner's previousRuns leaves out a run exactly at its
    // reference (and nextRun, for onTime, starts after it), so an edge on a whole second lost
    // that tick; hence edge + 1 ms. It may also return a run in the reference's own second:
    // keep only (cursor, edge].
    caught = pattern
      .previousRuns(n + 1, new Date(edge.getTime() + 1))
      .filter((t) => t.getTime() > cursor.getTime() && t.getTime() <= edge.getTime())
      .slice(0, n)
      .reverse();
  }
  return { ticks: [...caught, ...onTime], cursor: latest, missed };
}
