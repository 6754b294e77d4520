import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrandEmitter, type ErrandEvents } from '../../src/events.js';
import { Maintainer } from '../../src/maintenance/maintainer.js';
import { deferred, FakeDriver, WORKER_ID } from './fakes.js';

const PRUNE_AFTER_MS = 7 * 24 * 3600_000;

function setup(leaseMs = 2000) {
  const driver = new FakeDriver();
  const events = new ErrandEmitter();
  const rescued: ErrandEvents['job:rescued'][] = [];
  const dbErrors: ErrandEvents['db:error'][] = [];
  events.on('job:rescued', (e) => rescued.push(e));
  events.on('db:error', (e) => dbErrors.push(e));
  const maintainer = new Maintainer(driver.asDriver(), events, { workerId: WORKER_ID, leaseMs, pruneAfterMs: PRUNE_AFTER_MS });
  return { driver, events, maintainer, rescued, dbErrors };
}

const row = (id: number) => ({ id, queue: 'q', name: 'charge', state: 'available', lockedBy: 'dead-worker' });

let random: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  vi.useFakeTimers();
  random = vi.spyOn(Math, 'random').mockReturnValue(0); // no jitter unless a test asks for it
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('Maintainer: schedule', () => {
  it('rescues every leaseMs / 4, promotes every second, prunes at 5 s and then every 10 minutes', async () => {
    const { driver, maintainer } = setup(2000);
    maintainer.start();
    expect(driver.rescueExpired).not.toHaveBeenCalled(); // nothing at start()

    await vi.advanceTimersByTimeAsync(499);
    expect(driver.rescueExpired).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(driver.rescueExpired).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(driver.rescueExpired).toHaveBeenCalledTimes(2);
    expect(driver.promoteDue).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(3999); // t = 4999
    expect(driver.prune).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(driver.prune.mock.calls).toEqual([[PRUNE_AFTER_MS]]);
    expect(driver.promoteDue).toHaveBeenCalledTimes(5);
    expect(driver.rescueExpired).toHaveBeenCalledTimes(10);

    await vi.advanceTimersByTimeAsync(10 * 60_000 - 5000 - 1); // t = 10 min - 1 ms
    expect(driver.prune).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(driver.prune).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(driver.prune).toHaveBeenCalledTimes(3);
    maintainer.stop();
  });

  it('rescues at least every 100 ms and at most every second, whatever the lease', async () => {
    for (const [leaseMs, every] of [
      [100, 100],
      [600, 150],
      [60_000, 1000],
    ]) {
      const { driver, maintainer } = setup(leaseMs);
      maintainer.start();
      await vi.advanceTimersByTimeAsync(every - 1);
      expect(driver.rescueExpired, `lease ${leaseMs}`).toHaveBeenCalledTimes(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(driver.rescueExpired, `lease ${leaseMs}`).toHaveBeenCalledTimes(1);
      await maintainer.stop();
    }
  });

  it('spreads its timers by up to a fifth of the rescue interval (jitter), so workers do not tick together', async () => {
    random.mockReturnValue(0.5);
    const { driver, maintainer } = setup(2000); // rescue every 500 + 50, promote every 1000 + 50
    maintainer.start();
    await vi.advanceTimersByTimeAsync(549);
    expect(driver.rescueExpired).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(driver.rescueExpired).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(499); // t = 1049
    expect(driver.promoteDue).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(driver.promoteDue).toHaveBeenCalledTimes(1);
    await maintainer.stop();
  });
});

describe('Maintainer: rescue', () => {
  it('emits job:rescued with the rescued jobs, and nothing when none were', async () => {
    const { driver, maintainer, rescued } = setup(400); // every 100 ms
    driver.rescueExpired.mockResolvedValueOnce([]).mockResolvedValueOnce([row(1), row(2)]);
    maintainer.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(rescued).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(rescued).toEqual([{ jobs: [row(1), row(2)] }]);
    await vi.advanceTimersByTimeAsync(100);
    expect(rescued).toHaveLength(1);
    await maintainer.stop();
  });

  it('rescue() can be called directly (one pass, no timers)', async () => {
    vi.useRealTimers();
    const { driver, maintainer, rescued } = setup();
    driver.rescueExpired.mockResolvedValueOnce([row(3)]);
    await maintainer.rescue();
    expect(rescued).toEqual([{ jobs: [row(3)] }]);
  });

  it('never runs a task again while its last run is still out (a slow database does not pile them up)', async () => {
    const { driver, maintainer } = setup(400);
    const slow = deferred<ReturnType<typeof row>[]>();
    driver.rescueExpired.mockImplementationOnce(() => slow.promise);
    maintainer.start();
    await vi.advanceTimersByTimeAsync(1000); // ten ticks
    expect(driver.rescueExpired).toHaveBeenCalledTimes(1);
    expect(driver.promoteDue).toHaveBeenCalledTimes(1); // the others are not held up
    slow.resolve([row(4)]);
    await vi.advanceTimersByTimeAsync(100);
    expect(driver.rescueExpired).toHaveBeenCalledTimes(2);
    await maintainer.stop();
  });
});

describe('Maintainer: database errors', () => {
  it('a failing call emits db:error naming the task, and the task runs again on its next tick', async () => {
    const { driver, maintainer, rescued, dbErrors } = setup(400);
    const down = new Error('connection refused');
    driver.rescueExpired.mockRejectedValueOnce(down).mockResolvedValueOnce([row(5)]);
    driver.promoteDue.mockRejectedValueOnce(down);
    driver.prune.mockRejectedValueOnce(down);
    maintainer.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(dbErrors).toEqual([{ workerId: WORKER_ID, operation: 'rescue', error: down }]);
    await vi.advanceTimersByTimeAsync(100);
    expect(rescued).toEqual([{ jobs: [row(5)] }]);

    await vi.advanceTimersByTimeAsync(800); // t = 1 s
    await vi.advanceTimersByTimeAsync(4000); // t = 5 s
    expect(dbErrors.map((e) => e.operation)).toEqual(['rescue', 'promote', 'prune']);
    expect(driver.promoteDue).toHaveBeenCalledTimes(5);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(driver.prune).toHaveBeenCalledTimes(2);
    expect(dbErrors).toHaveLength(3);
    await maintainer.stop();
  });
});

describe('Maintainer: stop', () => {
  it('clears every timer: nothing runs after stop, not even the first prune', async () => {
    const { driver, maintainer } = setup(400);
    maintainer.start();
    await vi.advanceTimersByTimeAsync(1000);
    const counts = [driver.rescueExpired, driver.promoteDue, driver.prune].map((f) => f.mock.calls.length);
    expect(counts).toEqual([10, 1, 0]);
    await maintainer.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect([driver.rescueExpired, driver.promoteDue, driver.prune].map((f) => f.mock.calls.length)).toEqual(counts);
  });

  it('stop before start, and stop twice, are harmless', async () => {
    const { maintainer } = setup();
    await maintainer.stop();
    maintainer.start();
    await maintainer.stop();
    await maintainer.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never keeps the process alive: its timers are unref()ed', async () => {
    vi.useRealTimers();
    const { maintainer } = setup();
    maintainer.start();
    const timers = [...maintainer['timers'], maintainer['firstPrune']!];
    expect(timers).toHaveLength(4);
    expect(timers.every((t) => !t.hasRef())).toBe(true);
    await maintainer.stop();
  });
});
