import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrandEmitter, type ErrandEvents } from '../../src/events.js';
import type { AttemptError } from '../../src/types.js';
import { Completer } from '../../src/worker/completer.js';
import { QueueRunner } from '../../src/worker/queue-runner.js';
import { claimedMany, deferred, FakeDriver, Gates, executeDeps, turn, until, WORKER_ID } from './fakes.js';

function setup(maxBatch?: number, opts: { synchronous?: boolean } = {}) {
  const driver = new FakeDriver(opts);
  const events = new ErrandEmitter();
  const dbErrors: ErrandEvents['db:error'][] = [];
  events.on('db:error', (e) => dbErrors.push(e));
  const completer = new Completer(driver.asDriver(), WORKER_ID, events, maxBatch);
  let written = 0;
  completer.onWritten = () => written++;
  return { driver, events, completer, dbErrors, written: () => written };
}

function failure(id: number, next: 'retryable' | 'dead' = 'retryable') {
  const error: AttemptError = { attempt: 1, at: '2025-01-01T00:00:00.000Z', kind: 'error', message: `job ${id} failed` };
  return { id, next, retryInMs: next === 'retryable' ? 500 : 0, error };
}

/** Every id written as completed, in order. */
function completedIds(driver: FakeDriver): number[] {
  return driver.completeJobs.mock.calls.flatMap((c) => c[0]);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Completer: batching', () => {
  it('writes the completions of one turn in one batch, on the next turn', async () => {
    const { driver, completer, written } = setup();
    completer.complete(1);
    completer.complete(2);
    completer.complete(3);
    await Promise.resolve();
    expect(driver.completeJobs).not.toHaveBeenCalled();
    expect(completer.pendingIds()).toEqual([1, 2, 3]);
    await turn();
    expect(driver.completeJobs.mock.calls).toEqual([[[1, 2, 3], WORKER_ID]]);
    await until(() => completer.pending === 0, 'written');
    expect(written()).toBe(1);
    expect(driver.failJob).not.toHaveBeenCalled();
  });

  it('group commit: what arrives while a write is out goes in the next write, all of it', async () => {
    const { driver, completer, written } = setup();
    const first = deferred();
    driver.completeJobs.mockImplementationOnce(() => first.promise);
    completer.complete(1);
    await turn();
    expect(driver.completeJobs).toHaveBeenCalledTimes(1);
    for (const id of [2, 3, 4]) completer.complete(id);
    completer.fail(failure(5));
    // Ids being written are still pending: the heartbeat keeps renewing their leases.
    expect(completer.pendingIds().sort()).toEqual([1, 2, 3, 4, 5]);
    await turn();
    expect(driver.completeJobs).toHaveBeenCalledTimes(1);

    first.resolve();
    await until(() => completer.pending === 0, 'everything written');
    expect(driver.completeJobs.mock.calls).toEqual([
      [[1], WORKER_ID],
      [[2, 3, 4], WORKER_ID],
    ]);
    expect(driver.failJob.mock.calls).toEqual([[5, WORKER_ID, 'retryable', 500, failure(5).error]]);
    expect(written()).toBe(2);
  });

  it('never writes more than maxBatch completions at a time, and writes each id once', async () => {
    const { driver, completer, written } = setup(3);
    for (let id = 1; id <= 8; id++) completer.complete(id);
    await until(() => completer.pending === 0, 'everything written');
    expect(driver.completeJobs.mock.calls.map((c) => c[0])).toEqual([[1, 2, 3], [4, 5, 6], [7, 8]]);
    expect(written()).toBe(3);
  });

  it('writes failures (with their next state, delay and error) after the batch of completions', async () => {
    const { driver, completer } = setup();
    completer.fail(failure(7, 'dead'));
    completer.complete(8);
    completer.fail(failure(9));
    await until(() => completer.pending === 0, 'everything written');
    expect(driver.completeJobs.mock.calls).toEqual([[[8], WORKER_ID]]);
    expect(driver.failJob.mock.calls).toEqual([
      [7, WORKER_ID, 'dead', 0, failure(7).error],
      [9, WORKER_ID, 'retryable', 500, failure(9).error],
    ]);
    expect(driver.completeJobs.mock.invocationCallOrder[0]).toBeLessThan(driver.failJob.mock.invocationCallOrder[0]);
  });

  it('with a synchronous driver, lets the event loop turn between batches', async () => {
    const { driver, completer } = setup(2, { synchronous: true });
    const marks: string[] = [];
    driver.completeJobs.mockImplementation(async () => {
      marks.push('write');
    });
    let ticking = true;
    const tick = () => {
      marks.push('tick');
      if (ticking) setImmediate(tick);
    };
    for (let id = 1; id <= 10; id++) completer.complete(id);
    setImmediate(tick);
    await until(() => completer.pending === 0, 'everything written');
    ticking = false;
    expect(marks.filter((m) => m === 'write')).toHaveLength(5);
    expect(marks.join(' ')).not.toContain('write write');
  });
});

describe('Completer: back-pressure', () => {
  it('is saturated from two batches pending (written or not) until a write brings it down', async () => {
    const { driver, completer } = setup(2);
    const write = deferred();
    driver.completeJobs.mockImplementationOnce(() => write.promise);
    completer.complete(1);
    completer.complete(2);
    completer.complete(3);
    expect(completer.saturated).toBe(false);
    completer.fail(failure(4));
    expect(completer.saturated).toBe(true);
    await turn(); // [1, 2] in flight: still pending
    expect(completer.saturated).toBe(true);
    write.resolve();
    await until(() => completer.pending === 0, 'everything written');
    expect(completer.saturated).toBe(false);
  });

  it('resumes the runner it held back once a write goes through', async () => {
    const driver = new FakeDriver();
    const gates = new Gates();
    const events = new ErrandEmitter();
    const completer = new Completer(driver.asDriver(), WORKER_ID, events, 2);
    const runner = new QueueRunner(
      { queue: 'q', concurrency: 2, prefetch: 2, maxPrefetch: 2, leaseMs: 15_000 },
      driver.asDriver(),
      completer,
      executeDeps(gates, events),
      events,
    );
    completer.onWritten = () => runner.resume(); // as Worker wires them
    driver.queued.push(...claimedMany(30, { name: 'noop' }));
    const write = deferred();
    driver.completeJobs.mockImplementationOnce(() => write.promise);

    runner.wake();
    await until(() => completer.saturated, 'the completer saturated');
    for (let i = 0; i < 5; i++) await turn();
    const claims = driver.claimJobs.mock.calls.length;
    expect(completer.saturated).toBe(true);
    expect(runner.running.size).toBe(0); // nothing runs: the runner holds its claims back

    write.resolve();
    await until(() => driver.claimJobs.mock.calls.length > claims, 'a claim after the write');
    await until(() => completedIds(driver).length === 30, 'every job written');
    expect(new Set(completedIds(driver)).size).toBe(30);
  });
});

describe('Completer: database errors', () => {
  it('keeps the ids of a failed write and retries it with backoff (50 ms, doubling, at most 5 s)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { driver, completer, dbErrors, written } = setup();
    const down = new Error('connection refused');
    for (let i = 0; i < 9; i++) driver.completeJobs.mockRejectedValueOnce(down);
    completer.complete(1);
    completer.complete(2);
    await turn();
    expect(dbErrors).toEqual([{ workerId: WORKER_ID, operation: 'complete', error: down }]);
    completer.complete(3); // arrives during the backoff
    expect(completer.pendingIds()).toEqual([1, 2, 3]);

    const delays: number[] = [];
    for (let attempt = 2; attempt <= 10; attempt++) {
      const calls = driver.completeJobs.mock.calls.length;
      let waited = 0;
      while (driver.completeJobs.mock.calls.length === calls) {
        await vi.advanceTimersByTimeAsync(25);
        waited += 25;
        if (waited > 10_000) throw new Error('no retry');
      }
      delays.push(waited);
    }
    expect(delays).toEqual([50, 100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(driver.completeJobs.mock.calls.slice(1).every((c) => c[0].join() === '1,2,3')).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(completer.pending).toBe(0);
    expect(dbErrors).toHaveLength(9);
    expect(written()).toBe(1); // only the write that went through

    // The backoff starts over after a write that went through.
    driver.completeJobs.mockRejectedValueOnce(down);
    completer.complete(4);
    await turn();
    await vi.advanceTimersByTimeAsync(49);
    expect(driver.completeJobs.mock.calls.length).toBe(11);
    await vi.advanceTimersByTimeAsync(1);
    expect(driver.completeJobs.mock.calls.length).toBe(12);
  });

  it('a failed failJob keeps it and the failures after it, not the ones already written', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { driver, completer, dbErrors } = setup();
    const down = new Error('deadlock detected');
    driver.failJob.mockResolvedValueOnce().mockRejectedValueOnce(down);
    completer.complete(1);
    for (const id of [2, 3, 4]) completer.fail(failure(id));
    await turn();
    expect(dbErrors).toEqual([{ workerId: WORKER_ID, operation: 'fail', error: down }]);
    expect(completer.pendingIds().sort()).toEqual([3, 4]);
    await vi.advanceTimersByTimeAsync(50);
    expect(completer.pending).toBe(0);
    expect(driver.completeJobs.mock.calls).toEqual([[[1], WORKER_ID]]);
    expect(driver.failJob.mock.calls.map((c) => c[0])).toEqual([2, 3, 3, 4]);
  });
});

describe('Completer: drain (what Worker.stop waits for)', () => {
  it('resolves true at once when nothing is pending', async () => {
    const { completer } = setup();
    expect(await completer.drain()).toBe(true);
  });

  it('resolves true once everything recorded is written, through several batches', async () => {
    const { driver, completer } = setup(2);
    for (let id = 1; id <= 5; id++) completer.complete(id);
    completer.fail(failure(6));
    expect(await completer.drain()).toBe(true);
    expect(completedIds(driver)).toEqual([1, 2, 3, 4, 5]);
    expect(driver.failJob).toHaveBeenCalledTimes(1);
  });

  it('waits through failed writes until one goes through', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { driver, completer } = setup();
    driver.completeJobs.mockRejectedValueOnce(new Error('down')).mockRejectedValueOnce(new Error('down'));
    completer.complete(1);
    let drained: boolean | undefined;
    void completer.drain(10_000).then((ok) => (drained = ok));
    await turn();
    await vi.advanceTimersByTimeAsync(50 + 99);
    expect(drained).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(drained).toBe(true);
    expect(completedIds(driver)).toEqual([1, 1, 1]);
  });

  it('gives up at the deadline with false, keeping what is unwritten', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { driver, completer } = setup();
    driver.completeJobs.mockRejectedValue(new Error('down'));
    completer.complete(1);
    completer.complete(2);
    let drained: boolean | undefined;
    void completer.drain(1000).then((ok) => (drained = ok));
    await turn();
    await vi.advanceTimersByTimeAsync(999);
    expect(drained).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(drained).toBe(false);
    expect(completer.pendingIds()).toEqual([1, 2]);
  });
});
