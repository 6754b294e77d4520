import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrandEmitter, type ErrandEvents } from '../../src/events.js';
import { QueueRunner } from '../../src/worker/queue-runner.js';
import { claimed, claimedMany, FakeCompleter, FakeDriver, Gates, executeDeps, turn, until, WORKER_ID } from './fakes.js';

const LEASE_MS = 15_000;

function setup(opts: { concurrency: number; prefetch: number; maxPrefetch?: number; synchronous?: boolean }) {
  const driver = new FakeDriver({ synchronous: opts.synchronous });
  const completer = new FakeCompleter();
  const gates = new Gates();
  const events = new ErrandEmitter();
  const dbErrors: ErrandEvents['db:error'][] = [];
  events.on('db:error', (e) => dbErrors.push(e));
  const runner = new QueueRunner(
    { queue: 'q', concurrency: opts.concurrency, prefetch: opts.prefetch, maxPrefetch: opts.maxPrefetch ?? opts.prefetch, leaseMs: LEASE_MS },
    driver.asDriver(),
    completer.asCompleter(),
    executeDeps(gates, events),
    events,
  );
  return { driver, completer, gates, events, runner, dbErrors };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('QueueRunner: how much it claims', () => {
  it('claims free slots + prefetch at first, runs only `concurrency`, buffers the rest', async () => {
    const { driver, gates, runner } = setup({ concurrency: 2, prefetch: 3 });
    const jobs = claimedMany(10);
    driver.queued.push(...jobs);
    runner.wake();
    await until(() => gates.started.length === 2, '2 jobs started');
    await turn();
    expect(driver.claimJobs.mock.calls).toEqual([['q', 5, WORKER_ID, LEASE_MS]]);
    expect(gates.started).toEqual([jobs[0].id, jobs[1].id]);
    expect(runner.running.size).toBe(2);
    // Running and buffered jobs are held (their leases are renewed).
    expect(runner.heldIds().sort()).toEqual(jobs.slice(0, 5).map((j) => j.id).sort());
    // The claim came back full, but there is no room left: no second claim.
    expect(driver.claimJobs).toHaveBeenCalledTimes(1);
  });

  it('waits for a worthwhile batch (half the prefetch) while jobs are still buffered', async () => {
    const { driver, gates, runner } = setup({ concurrency: 2, prefetch: 3 });
    driver.queued.push(...claimedMany(10));
    runner.wake();
    await until(() => gates.started.length === 2, '2 jobs started');

    gates.finish(gates.started[0]); // room 1 < ceil(3 / 2), 2 still buffered: no claim
    await until(() => gates.started.length === 3, 'a buffered job started');
    await turn();
    expect(driver.claimLimits()).toEqual([5]);

    gates.finish(gates.started[1]); // room 2: claim 2
    await until(() => driver.claimJobs.mock.calls.length === 2, 'a second claim');
    expect(driver.claimLimits()).toEqual([5, 2]);
  });

  it('never runs more than `concurrency` at once, never claims past its room, and runs every job once', async () => {
    const concurrency = 3;
    const prefetch = 2;
    const { driver, completer, gates, runner } = setup({ concurrency, prefetch });
    const jobs = claimedMany(40);
    driver.queued.push(...jobs);
    const roomAtClaim: number[] = [];
    const claim = driver.claimJobs.getMockImplementation()!;
    driver.claimJobs.mockImplementation((...args) => {
      // Everything held plus what this claim and any other in flight may bring fits the room.
      roomAtClaim.push(concurrency + prefetch - runner.heldIds().length - args[1]);
      return claim(...args);
    });
    runner.wake();
    // Finish jobs in a shuffled order (newest first every third time), checking as we go.
    for (let i = 0; completer.completed.length < jobs.length; i++) {
      await until(() => gates.waiting().length > 0 || completer.completed.length === jobs.length, 'a job running');
      expect(runner.running.size).toBeLessThanOrEqual(concurrency);
      const waiting = gates.waiting();
      if (waiting.length) gates.finish(i % 3 === 0 ? waiting[waiting.length - 1] : waiting[0]);
      await turn();
    }
    expect(gates.maxRunning).toBe(concurrency);
    expect(completer.completed.sort((a, b) => a - b)).toEqual(jobs.map((j) => j.id));
    expect(new Set(gates.started).size).toBe(jobs.length);
    expect(Math.min(...roomAtClaim)).toBeGreaterThanOrEqual(0);
    expect(driver.releaseJobs).not.toHaveBeenCalled();
  });

  it('grows the batch while full claims come back to back, up to maxPrefetch, and starts over when the queue runs dry', async () => {
    vi.spyOn(performance, 'now').mockReturnValue(1000); // every claim follows the last one at once
    const burnDown = async (maxPrefetch: number) => {
      const { driver, completer, runner } = setup({ concurrency: 2, prefetch: 2, maxPrefetch });
      driver.queued.push(...claimedMany(200, { name: 'noop' }));
      runner.wake();
      await until(() => completer.completed.length === 200, 'every job done');
      return { driver, runner };
    };
    // Fixed buffer: fast jobs free a slot at a time, and each free slot costs a claim.
    const fixed = (await burnDown(2)).driver.claimLimits();
    expect(Math.max(...fixed)).toBe(4);
    expect(fixed.length).toBeGreaterThan(150);
    // Adaptive: the buffer doubles to 8, claims come in batches of half of it, far fewer of them.
    const { driver, runner } = await burnDown(8);
    const grown = driver.claimLimits();
    expect(grown[0]).toBe(4);
    expect(Math.max(...grown)).toBeGreaterThan(4);
    expect(Math.max(...grown)).toBeLessThanOrEqual(2 + 8);
    expect(grown.length).toBeLessThan(70);
    // The last claim came back short: the buffer is back to `prefetch`.
    driver.queued.push(...claimedMany(50, { name: 'noop' }));
    const before = grown.length;
    runner.wake();
    await until(() => driver.claimJobs.mock.calls.length > before, 'a claim after the wake-up');
    expect(driver.claimLimits()[before]).toBe(4);
  });
});

describe('QueueRunner: when it claims', () => {
  it('a claim that came back short waits for a wake-up (no claim per finished job), and a wake-up claims again', async () => {
    const { driver, completer, runner } = setup({ concurrency: 4, prefetch: 4 });
    driver.queued.push(...claimedMany(3, { name: 'noop' }));
    runner.wake();
    await until(() => completer.completed.length === 3, '3 jobs done');
    for (let i = 0; i < 5; i++) await turn();
    expect(driver.claimJobs).toHaveBeenCalledTimes(1);

    driver.queued.push(...claimedMany(2, { name: 'noop' })); // enqueued, but nobody said so
    for (let i = 0; i < 5; i++) await turn();
    expect(driver.claimJobs).toHaveBeenCalledTimes(1);

    runner.wake(); // the local enqueue's wake-up
    await until(() => completer.completed.length === 5, '5 jobs done');
    expect(driver.claimJobs).toHaveBeenCalledTimes(2);
  });

  it('keeps at most two claims in flight; a wake-up meanwhile is answered when one returns', async () => {
    const { driver, gates, runner } = setup({ concurrency: 2, prefetch: 2 });
    const a = driver.holdNextClaim();
    runner.wake();
    await turn();
    a.resolve(claimedMany(4)); // 2 run, 2 buffered
    await until(() => gates.started.length === 2, '2 started');

    const b = driver.holdNextClaim();
    const c = driver.holdNextClaim();
    gates.finish(gates.started[0]); // 2 running, 1 buffered: room 1, claim b
    await until(() => driver.claimJobs.mock.calls.length === 2, 'claim b');
    gates.finish(gates.started[1]); // 2 running, none buffered: room 1, claim c
    await until(() => driver.claimJobs.mock.calls.length === 3, 'claim c');
    expect(driver.claimsInFlight).toBe(2);

    gates.finish(gates.started[2]); // room again, but two claims are out
    runner.wake();
    for (let i = 0; i < 5; i++) await turn();
    expect(driver.claimJobs).toHaveBeenCalledTimes(3);

    b.resolve([]); // came back short, but the wake-up is still unanswered
    await until(() => driver.claimJobs.mock.calls.length === 4, 'the wake-up answered');
    expect(driver.claimLimits()).toEqual([4, 1, 1, 2]);
    expect(driver.maxClaimsInFlight).toBe(2);
    c.resolve([]);
  });

  it('back-pressure: claims nothing while the completer is saturated; resume() claims again', async () => {
    const { driver, completer, gates, runner } = setup({ concurrency: 2, prefetch: 0 });
    driver.queued.push(...claimedMany(6));
    completer.saturated = true;
    runner.wake();
    for (let i = 0; i < 5; i++) await turn();
    expect(driver.claimJobs).not.toHaveBeenCalled();

    // Still saturated: a resume (or another wake-up) is held back again.
    runner.resume();
    runner.wake();
    await turn();
    expect(driver.claimJobs).not.toHaveBeenCalled();

    completer.saturated = false;
    runner.resume(); // the completer wrote a batch
    await until(() => gates.started.length === 2, '2 started');
    expect(driver.claimLimits()).toEqual([2]);

    // The claim came back full: a finished job claims again, unless the completer is saturated.
    completer.saturated = true;
    gates.finish(gates.started[0]);
    for (let i = 0; i < 5; i++) await turn();
    expect(driver.claimJobs).toHaveBeenCalledTimes(1);
    completer.saturated = false;
    runner.resume();
    await until(() => gates.started.length === 3, 'a third job started');
    expect(driver.claimLimits()).toEqual([2, 1]);
  });

  it('resume() without a held-back claim claims nothing', async () => {
    const { driver, completer, runner } = setup({ concurrency: 2, prefetch: 2 });
    driver.queued.push(claimed({ name: 'noop' }));
    runner.wake();
    await until(() => completer.completed.length === 1, 'the job done');
    driver.queued.push(claimed({ name: 'noop' }));
    runner.resume();
    for (let i = 0; i < 5; i++) await turn();
    expect(driver.claimJobs).toHaveBeenCalledTimes(1);
  });

  it('with a synchronous driver, lets the event loop turn before every claim', async () => {
    const run = async (synchronous: boolean) => {
      const marks: string[] = [];
      const { driver, completer, runner } = setup({ concurrency: 2, prefetch: 2, synchronous });
      driver.queued.push(...claimedMany(20, { name: 'noop' }));
      const claim = driver.claimJobs.getMockImplementation()!;
      driver.claimJobs.mockImplementation((...args) => {
        marks.push('claim');
        return claim(...args);
      });
      let ticking = true;
      const tick = () => {
        marks.push('tick');
        if (ticking) setImmediate(tick);
      };
      runner.wake();
      marks.push('woke');
      setImmediate(tick);
      await until(() => completer.completed.length === 20, 'every job done');
      ticking = false;
      await turn();
      return marks.join(' ');
    };
    // Synchronous (better-sqlite3): not even the first claim runs in the caller's turn, and the
    // event loop turns between every round of claims.
    const sync = await run(true);
    expect(sync.startsWith('woke')).toBe(true);
    expect(sync.split(' ').filter((m) => m === 'claim').length).toBeGreaterThan(5);
    // (Two claims may be out at once, so two may resume in the same turn; never a third.)
    expect(sync).not.toContain('claim claim claim');
    // Asynchronous drivers wait for I/O anyway: the first claim goes out at once, and claims
    // follow each other without a yield of their own.
    const async = await run(false);
    expect(async).toMatch(/^claim woke (claim )+tick/);
    expect(async.split(' ').lastIndexOf('claim')).toBeLessThan(async.split(' ').indexOf('tick'));
  });
});

describe('QueueRunner: outcomes', () => {
  it('hands successes and failures to the completer', async () => {
    const { driver, completer, runner } = setup({ concurrency: 3, prefetch: 0 });
    const ok = claimed({ name: 'noop' });
    const retry = claimed({ name: 'boom', attempt: 1, maxAttempts: 3 });
    const dead = claimed({ name: 'boom', attempt: 3, maxAttempts: 3 });
    driver.queued.push(ok, retry, dead);
    runner.wake();
    await until(() => completer.completed.length + completer.failed.length === 3, 'three outcomes');
    expect(completer.completed).toEqual([ok.id]);
    expect(completer.failed).toEqual([
      { id: retry.id, next: 'retryable', retryInMs: 1234, error: expect.objectContaining({ attempt: 1, kind: 'error', message: 'card declined' }) },
      { id: dead.id, next: 'dead', retryInMs: 0, error: expect.objectContaining({ attempt: 3, message: 'card declined' }) },
    ]);
    expect(driver.releaseJobs).not.toHaveBeenCalled();
  });

  it('a lost lease aborts the running job and drops it from the buffer: no outcome, no release', async () => {
    const { driver, completer, gates, runner } = setup({ concurrency: 1, prefetch: 2 });
    const [a, b, c] = claimedMany(3);
    driver.queued.push(a, b, c);
    runner.wake();
    await until(() => gates.started.length === 1, 'a started');
    runner.leaseLost(new Set([a.id, b.id]));
    await until(() => gates.started.length === 2, 'c started');
    expect(gates.started).toEqual([a.id, c.id]);
    expect(runner.heldIds()).toEqual([c.id]);
    gates.finish(c.id);
    await until(() => completer.completed.length === 1, 'c done');
    expect(completer.completed).toEqual([c.id]);
    expect(completer.failed).toEqual([]);
    expect(driver.releaseJobs).not.toHaveBeenCalled();
  });
});

describe('QueueRunner: stopping', () => {
  it('stopFetching hands back the buffered jobs, lets running ones finish, and claims no more', async () => {
    const { driver, completer, gates, runner } = setup({ concurrency: 1, prefetch: 2 });
    const [a, b, c] = claimedMany(3);
    driver.queued.push(a, b, c, ...claimedMany(5));
    runner.wake();
    await until(() => gates.started.length === 1, 'a started');

    expect(await runner.stopFetching()).toBe(2);
    expect(driver.releaseJobs.mock.calls).toEqual([[[b.id, c.id], WORKER_ID, true, null]]);
    expect(runner.heldIds()).toEqual([a.id]);

    runner.wake();
    runner.resume();
    gates.finish(a.id);
    await runner.idle();
    await turn();
    expect(completer.completed).toEqual([a.id]);
    expect(gates.started).toEqual([a.id]);
    expect(driver.claimJobs).toHaveBeenCalledTimes(1);
  });

  it('stopFetching waits for a claim in flight, hands its jobs back unstarted, and counts them', async () => {
    const { driver, gates, runner } = setup({ concurrency: 2, prefetch: 0 });
    const claim = driver.holdNextClaim();
    runner.wake();
    await turn();
    let stopped: number | undefined;
    const stopping = runner.stopFetching().then((n) => (stopped = n));
    for (let i = 0; i < 3; i++) await turn();
    // Worker.stop() goes on to deregister and the client closes the driver once this resolves:
    // a claim still out then would release its jobs on a closed connection (they would wait
    // out their lease, an attempt counted).
    expect(stopped).toBeUndefined();
    const late = claimedMany(2);
    claim.resolve(late);
    await stopping;
    expect(stopped).toBe(2);
    expect(driver.releaseJobs.mock.calls).toEqual([[late.map((j) => j.id), WORKER_ID, true, null]]);
    expect(gates.started).toEqual([]);
  });

  it('stopFetching waits for a claim that never returns no longer than the lease', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { driver, runner } = setup({ concurrency: 2, prefetch: 0 });
    driver.holdNextClaim(); // never resolved
    runner.wake();
    await turn();
    let stopped: number | undefined;
    void runner.stopFetching().then((n) => (stopped = n));
    await vi.advanceTimersByTimeAsync(LEASE_MS - 1);
    expect(stopped).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(stopped).toBe(0);
  });

  it('with a synchronous driver, a stop during the yield before a claim claims nothing', async () => {
    const { driver, runner } = setup({ concurrency: 2, prefetch: 2, synchronous: true });
    driver.queued.push(...claimedMany(4));
    runner.wake();
    expect(await runner.stopFetching()).toBe(0);
    for (let i = 0; i < 3; i++) await turn();
    expect(driver.claimJobs).not.toHaveBeenCalled();
  });

  it('abortRunning releases running jobs (attempt uncounted, a shutdown note), even ones that ignore their signal', async () => {
    const { driver, completer, gates, runner } = setup({ concurrency: 2, prefetch: 0 });
    const [a, b] = claimedMany(2, { attempt: 2 });
    driver.queued.push(a, b);
    runner.wake();
    await until(() => gates.started.length === 2, '2 started');
    await runner.stopFetching();
    expect(runner.abortRunning()).toBe(2);
    await runner.idle();
    expect(runner.running.size).toBe(0);
    expect(driver.releaseJobs.mock.calls).toEqual([
      [[a.id], WORKER_ID, true, expect.objectContaining({ attempt: 2, kind: 'shutdown' })],
      [[b.id], WORKER_ID, true, expect.objectContaining({ attempt: 2, kind: 'shutdown' })],
    ]);
    expect(completer.completed).toEqual([]);
    expect(completer.failed).toEqual([]);
  });
});

describe('QueueRunner: database errors', () => {
  it('a failed claim emits db:error and retries with backoff (100 ms, doubling, at most 5 s); the jobs are claimed in full afterwards', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { driver, gates, runner, dbErrors } = setup({ concurrency: 2, prefetch: 2 });
    const jobs = claimedMany(4);
    driver.queued.push(...jobs);
    const down = new Error('connection refused');
    for (let i = 0; i < 8; i++) driver.claimJobs.mockRejectedValueOnce(down);
    runner.wake();
    await turn();
    expect(dbErrors).toEqual([{ workerId: WORKER_ID, operation: 'claim q', error: down }]);

    const delays: number[] = [];
    for (let attempt = 2; attempt <= 9; attempt++) {
      const calls = driver.claimJobs.mock.calls.length;
      let waited = 0;
      while (driver.claimJobs.mock.calls.length === calls) {
        await vi.advanceTimersByTimeAsync(50);
        waited += 50;
        if (waited > 10_000) throw new Error('no retry');
      }
      delays.push(waited);
      await turn();
    }
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(dbErrors).toHaveLength(8);
    // Nothing leaked from the failed claims: the retry asks for the whole room and gets every job.
    expect(driver.claimLimits().every((n) => n === 4)).toBe(true);
    await until(() => gates.started.length === 2, '2 started');
    expect(runner.heldIds().sort()).toEqual(jobs.map((j) => j.id).sort());
  });

  it('the backoff starts over after a successful claim', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { driver, runner, dbErrors } = setup({ concurrency: 1, prefetch: 0 });
    driver.claimJobs.mockRejectedValueOnce(new Error('down')).mockRejectedValueOnce(new Error('down'));
    runner.wake();
    await turn();
    await vi.advanceTimersByTimeAsync(100 + 200); // two failures, then a success (empty)
    expect(driver.claimJobs).toHaveBeenCalledTimes(3);
    driver.claimJobs.mockRejectedValueOnce(new Error('down again'));
    runner.wake();
    await turn();
    expect(dbErrors).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(99);
    expect(driver.claimJobs).toHaveBeenCalledTimes(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(driver.claimJobs).toHaveBeenCalledTimes(5);
  });

  it('stopFetching cancels a pending claim retry', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { driver, runner } = setup({ concurrency: 1, prefetch: 0 });
    driver.claimJobs.mockRejectedValueOnce(new Error('down'));
    runner.wake();
    await turn();
    await runner.stopFetching();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(driver.claimJobs).toHaveBeenCalledTimes(1);
  });

  it('a failed release at shutdown emits db:error and does not throw', async () => {
    const { driver, gates, runner, dbErrors } = setup({ concurrency: 1, prefetch: 0 });
    driver.queued.push(claimed());
    runner.wake();
    await until(() => gates.started.length === 1, 'started');
    const down = new Error('gone');
    driver.releaseJobs.mockRejectedValueOnce(down);
    runner.abortRunning();
    await runner.idle();
    expect(dbErrors).toEqual([{ workerId: WORKER_ID, operation: 'release', error: down }]);
  });
});

/** Wait (real time) until `check` holds, or fail after `ms`. */
async function within(ms: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('QueueRunner: a rate-limited queue', () => {
  it('claims only for free slots, and makes no claim while the window is full, however often it is woken', async () => {
    const { driver, gates, runner } = setup({ concurrency: 3, prefetch: 10 });
    driver.queued.push(...claimedMany(10));
    driver.limitedHeld = 'queue';
    driver.limitedWindowLeftMs = 150;
    driver.claimRateLimited.mockImplementationOnce(() => Promise.resolve({ jobs: driver.queued.splice(0, 2), held: 'queue', windowLeftMs: 150, limited: true }));
    runner.setLimited(true);
    await until(() => gates.started.length === 2, '2 jobs started');
    expect(driver.claimRateLimited.mock.calls[0][1]).toBe(3); // free slots, no prefetch
    for (let i = 0; i < 10; i++) runner.wake();
    gates.finish(gates.started[0]);
    await new Promise((r) => setTimeout(r, 60));
    expect(driver.claimRateLimited).toHaveBeenCalledTimes(1);
    expect(driver.claimJobs).not.toHaveBeenCalled();
    // The window's end wakes it: one claim, for the free slots.
    await within(1000, () => driver.claimRateLimited.mock.calls.length === 2);
    expect(driver.claimRateLimited.mock.calls[1][1]).toBe(2);
    await runner.stopFetching();
  });

  it('per key: wake-ups still claim (other keys may have room), and the window end wakes it too', async () => {
    const { driver, runner } = setup({ concurrency: 3, prefetch: 3 });
    driver.limitedHeld = 'keys';
    driver.limitedWindowLeftMs = 100;
    runner.setLimited(true);
    await until(() => driver.claimRateLimited.mock.calls.length === 1, 'the first claim');
    runner.wake();
    await until(() => driver.claimRateLimited.mock.calls.length === 2, 'a claim on wake-up');
    driver.limitedHeld = null;
    expect(driver.claimRateLimited).toHaveBeenCalledTimes(2);
    await within(1000, () => driver.claimRateLimited.mock.calls.length === 3);
    await runner.stopFetching();
  });
});
