import { describe, expect, it } from 'vitest';
import { defineJob, defineSchedule } from '../../src/index.js';
import { planTicks } from '../../src/schedules/ticks.js';

const job = defineJob<null>({ name: 'tick.job', handler: () => {} });
const everySecond = defineSchedule({ name: 's', cron: '* * * * * *', job, payload: null }).pattern;
const at = (iso: string) => new Date(iso);
const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe('planTicks', () => {
  it('makes the on-time ticks since the cursor and moves the cursor to the latest', () => {
    const plan = planTicks(everySecond, at('2025-01-01T00:00:00Z'), at('2025-01-01T00:00:02.400Z'), 'skip');
    expect(iso(plan!.ticks)).toEqual(['2025-01-01T00:00:01.000Z', '2025-01-01T00:00:02.000Z']);
    expect(plan!.cursor.toISOString()).toBe('2025-01-01T00:00:02.000Z');
    expect(plan!.missed).toBe(false);
    expect(planTicks(everySecond, at('2025-01-01T00:00:02Z'), at('2025-01-01T00:00:02.900Z'), 'skip')).toBeNull();
  });

  it('follows the catch-up policy for ticks older than 5 s: skip, once, backfill n', () => {
    const cursor = at('2025-01-01T00:00:00Z');
    const now = at('2025-01-01T00:01:00.500Z');
    const onTime = ['2025-01-01T00:00:56.000Z', '2025-01-01T00:00:57.000Z', '2025-01-01T00:00:58.000Z', '2025-01-01T00:00:59.000Z', '2025-01-01T00:01:00.000Z'];
    const skip = planTicks(everySecond, cursor, now, 'skip')!;
    expect(skip.missed).toBe(true);
    expect(iso(skip.ticks)).toEqual(onTime);
    expect(iso(planTicks(everySecond, cursor, now, 'once')!.ticks)).toEqual(['2025-01-01T00:00:55.000Z', ...onTime]);
    expect(iso(planTicks(everySecond, cursor, now, { backfill: 3 })!.ticks)).toEqual(['2025-01-01T00:00:53.000Z', '2025-01-01T00:00:54.000Z', '2025-01-01T00:00:55.000Z', ...onTime]);
    const daily = defineSchedule({ name: 'd', cron: '0 9 * * *', job, payload: null }).pattern;
    const down = planTicks(daily, at('2025-01-01T10:00:00Z'), at('2025-01-05T08:00:00Z'), { backfill: 2 })!;
    expect(iso(down.ticks)).toEqual(['2025-01-03T09:00:00.000Z', '2025-01-04T09:00:00.000Z']);
    expect(planTicks(daily, at('2025-01-01T10:00:00Z'), at('2025-01-05T08:00:00Z'), 'skip')!.ticks).toEqual([]);
  });

  it('loses no tick when the on-time window’s edge falls exactly on a tick (now on a whole second)', () => {
    const cursor = at('2025-01-01T00:00:00Z');
    const now = at('2025-01-01T00:01:00.000Z'); // edge = now − 5 s = 00:00:55.000, a tick itself
    const onTime = ['2025-01-01T00:00:56.000Z', '2025-01-01T00:00:57.000Z', '2025-01-01T00:00:58.000Z', '2025-01-01T00:00:59.000Z', '2025-01-01T00:01:00.000Z'];
    // croner's previousRuns leaves out a run at its reference exactly: 00:00:55 fell between the
    // caught tick (00:00:54) and the on-time ones (from 00:00:56), a gap seen in CI.
    expect(iso(planTicks(everySecond, cursor, now, 'once')!.ticks)).toEqual(['2025-01-01T00:00:55.000Z', ...onTime]);
    expect(iso(planTicks(everySecond, cursor, now, { backfill: 2 })!.ticks)).toEqual(['2025-01-01T00:00:54.000Z', '2025-01-01T00:00:55.000Z', ...onTime]);
  });

  it('reads the fields in the schedule’s time zone, across daylight-saving changes', () => {
    const paris = defineSchedule({ name: 'p', cron: '30 2 * * *', job, payload: null, timezone: 'Europe/Paris', catchUp: { backfill: 5 } }).pattern;
    // 2025-03-30: 02:00 → 03:00 in Paris, so 02:30 does not exist that day; 2025-10-26 has it twice.
    const spring = planTicks(paris, at('2025-03-28T12:00:00Z'), at('2025-04-01T12:00:00Z'), { backfill: 5 })!;
    expect(spring.ticks.length).toBeGreaterThanOrEqual(3);
    expect(new Set(iso(spring.ticks)).size).toBe(spring.ticks.length);
    expect(iso(spring.ticks)).toContain('2025-03-29T01:30:00.000Z'); // CET, UTC+1
    expect(iso(spring.ticks)).toContain('2025-03-30T01:00:00.000Z'); // 02:30 does not exist: run at the shift (03:00 CEST)
    expect(iso(spring.ticks)).toContain('2025-03-31T00:30:00.000Z'); // CEST, UTC+2
    const autumn = planTicks(paris, at('2025-10-25T12:00:00Z'), at('2025-10-27T12:00:00Z'), { backfill: 5 })!;
    expect(iso(autumn.ticks).filter((t) => t.startsWith('2025-10-26'))).toEqual(['2025-10-26T00:30:00.000Z']); // once, not twice
  });

  it('refuses bad schedules with a message naming the problem', () => {
    expect(() => defineSchedule({ name: 'x', cron: '* * *', job, payload: null })).toThrow(/has 3 fields; expected 5/);
    expect(() => defineSchedule({ name: 'x', cron: '99 * * * *', job, payload: null })).toThrow(/bad cron/);
    expect(() => defineSchedule({ name: 'x', cron: '* * * * *', job, payload: null, timezone: 'Mars/Olympus' })).toThrow(/unknown time zone/);
    expect(() => defineSchedule({ name: 'x y', cron: '* * * * *', job, payload: null })).toThrow(/name must be/);
    expect(() => defineSchedule({ name: 'x', cron: '* * * * *', job, payload: null, catchUp: { backfill: 0 } })).toThrow(/catchUp/);
    expect(() => defineSchedule({ name: 'x', cron: '* * * * *', job, payload: { at: new Date() } as never })).toThrow(/payload.at is a Date/);
  });
});
