import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrandEmitter } from '../../src/events.js';
import { eventually, waitForEvent } from '../../src/testing.js';

afterEach(() => {
  vi.useRealTimers();
});

const rescued = (id: number) => ({ jobs: [{ id, name: 'charge', queue: 'q', state: 'available', lockedBy: null }] });

describe('errand/testing: waitForEvent', () => {
  it('resolves with the first payload the predicate accepts, and unsubscribes', async () => {
    const events = new ErrandEmitter();
    const wait = waitForEvent(events, 'job:rescued', (e) => e.jobs[0].id === 2);
    expect(events.listenerCount('job:rescued')).toBe(1);
    events.emit('job:rescued', rescued(1));
    events.emit('job:rescued', rescued(2));
    events.emit('job:rescued', rescued(3));
    await expect(wait).resolves.toEqual(rescued(2));
    expect(events.listenerCount('job:rescued')).toBe(0);
  });

  it('without a predicate, takes the first event', async () => {
    const events = new ErrandEmitter();
    const wait = waitForEvent(events, 'worker:stop');
    events.emit('worker:stop', { workerId: 'w', released: 0 });
    await expect(wait).resolves.toEqual({ workerId: 'w', released: 0 });
  });

  it('rejects after the timeout, naming the event, and unsubscribes', async () => {
    vi.useFakeTimers();
    const events = new ErrandEmitter();
    const wait = waitForEvent(events, 'job:dead', () => false, 1000);
    const settled = expect(wait).rejects.toThrow('timed out after 1000 ms waiting for job:dead');
    events.emit('job:rescued', rescued(1)); // another event: ignored
    await vi.advanceTimersByTimeAsync(1000);
    await settled;
    expect(events.listenerCount('job:dead')).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears its timer when the event comes', async () => {
    vi.useFakeTimers();
    const events = new ErrandEmitter();
    const wait = waitForEvent(events, 'worker:start');
    events.emit('worker:start', { workerId: 'w', queues: { q: 1 } });
    await wait;
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('errand/testing: eventually', () => {
  it('resolves with the first truthy value, trying at once and then after 10, 20, 40 … ms', async () => {
    vi.useFakeTimers();
    const tries: number[] = [];
    const start = Date.now();
    const found = eventually(() => {
      tries.push(Date.now() - start);
      return tries.length === 5 ? { state: 'completed' } : null;
    });
    await vi.advanceTimersByTimeAsync(10 + 20 + 40 + 80);
    await expect(found).resolves.toEqual({ state: 'completed' });
    expect(tries).toEqual([0, 10, 30, 70, 150]);
  });

  it('waits on async checks, at most 200 ms between tries', async () => {
    vi.useFakeTimers();
    const tries: number[] = [];
    const start = Date.now();
    const found = eventually(async () => {
      tries.push(Date.now() - start);
      return tries.length === 8 && 'done';
    });
    await vi.advanceTimersByTimeAsync(5000);
    await expect(found).resolves.toBe('done');
    expect(tries).toEqual([0, 10, 30, 70, 150, 310, 510, 710]);
  });

  it('rejects after the timeout, saying what never happened', async () => {
    vi.useFakeTimers();
    const never = eventually(() => false, 500, 'job 7 completed');
    const settled = expect(never).rejects.toThrow('timed out after 500 ms waiting for job 7 completed');
    await vi.advanceTimersByTimeAsync(1000);
    await settled;
  });

  it('a check that throws rejects at once', async () => {
    const boom = new Error('no such table');
    await expect(
      eventually(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });
});
