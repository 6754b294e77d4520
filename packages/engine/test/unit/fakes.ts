import { pino } from 'pino';
import { vi } from 'vitest';
import type { Driver, LimitedClaim } from '../../src/drivers/driver.js';
import { ErrandEmitter, type ErrandEvents } from '../../src/events.js';
import { defineJob, type JobDefinition } from '../../src/job.js';
import type { AttemptError, ClaimedJob } from '../../src/types.js';
import type { Completer } from '../../src/worker/completer.js';
import type { ExecuteDeps } from '../../src/worker/execute.js';

/**
 * Fakes for the unit tests of QueueRunner, Completer and Maintainer: a driver that implements
 * only what those classes call and records every call, a completer, and jobs whose handlers the
 * test finishes one by one. Nothing here sleeps: tests wait on microtasks and macrotasks
 * (`turn`, `until`) or on vitest's fake clock.
 */

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One turn of the event loop (a macrotask): everything queued as microtasks has run. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Let the event loop turn until `cond` holds; fails after `turns` turns (no wall-clock time). */
export async function until(cond: () => boolean, what = 'condition', turns = 500): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await turn();
  }
  throw new Error(`still not ${what} after ${turns} turns of the event loop`);
}

let nextId = 1;

/** A claimed job as a driver returns it. */
export function claimed(overrides: Partial<ClaimedJob> = {}): ClaimedJob {
  const id = overrides.id ?? nextId++;
  return {
    id,
    queue: 'q',
    name: 'gated',
    payload: {},
    priority: 0,
    runAt: new Date(),
    attempt: 1,
    maxAttempts: 3,
    timeoutMs: null,
    createdAt: new Date(),
    ...overrides,
  };
}

export function claimedMany(n: number, overrides: Partial<ClaimedJob> = {}): ClaimedJob[] {
  return Array.from({ length: n }, () => claimed(overrides));
}

type RescuedRow = ErrandEvents['job:rescued']['jobs'][number];

/**
 * The driver methods QueueRunner, Completer and Maintainer call, as vi.fn()s (so every call is
 * recorded with its arguments, and a test can script one call with mockImplementationOnce).
 * By default: claims take from `queued`, writes succeed, maintenance finds nothing.
 */
export class FakeDriver {
  readonly dialect = 'fake';
  readonly capabilities = { listen: false, multiProcess: false, durable: false, synchronous: false };
  /** Jobs a claim may take, in order. */
  readonly queued: ClaimedJob[] = [];
  /** Claims in flight now, and the most there ever were at once. */
  claimsInFlight = 0;
  maxClaimsInFlight = 0;

  readonly claimJobs = vi.fn((_queue: string | null, limit: number, _workerId: string, _leaseMs: number): Promise<ClaimedJob[]> =>
    Promise.resolve(this.queued.splice(0, limit)),
  );
  /** Rate-limited claims: take from `queued` and report `limitedHeld` with `limitedWindowLeftMs`. */
  limitedHeld: 'queue' | 'keys' | null = null;
  limitedWindowLeftMs = 0;
  readonly claimRateLimited = vi.fn(
    (_queue: string, limit: number, _workerId: string, _leaseMs: number, _scan: number): Promise<LimitedClaim> =>
      Promise.resolve({ jobs: this.queued.splice(0, limit), held: this.limitedHeld, windowLeftMs: this.limitedWindowLeftMs, limited: true }),
  );
  readonly completeJobs = vi.fn((_ids: number[], _workerId: string): Promise<void> => Promise.resolve());
  readonly failJob = vi.fn(
    (_id: number, _workerId: string, _next: 'retryable' | 'dead', _retryInMs: number, _error: AttemptError): Promise<void> => Promise.resolve(),
  );
  readonly releaseJobs = vi.fn((_ids: number[], _workerId: string, _uncount: boolean, _note: AttemptError | null): Promise<void> => Promise.resolve());
  readonly rescueExpired = vi.fn((): Promise<RescuedRow[]> => Promise.resolve([]));
  readonly promoteDue = vi.fn((): Promise<string[]> => Promise.resolve([]));
  readonly prune = vi.fn((_olderThanMs: number): Promise<number> => Promise.resolve(0));

  constructor(opts: { synchronous?: boolean } = {}) {
    this.capabilities.synchronous = opts.synchronous ?? false;
  }

  /**
   * This fake as the `Driver` the engine classes take: the one cast, so a method added to the
   * interface or a wider `dialect` never breaks it. Claims are counted while in flight, whatever
   * a test scripted for them.
   */
  asDriver(): Driver {
    const claimJobs = (...args: Parameters<FakeDriver['claimJobs']>) => {
      this.claimsInFlight++;
      this.maxClaimsInFlight = Math.max(this.maxClaimsInFlight, this.claimsInFlight);
      return Promise.resolve(this.claimJobs(...args)).finally(() => this.claimsInFlight--);
    };
    return Object.assign(Object.create(this), { claimJobs }) as unknown as Driver;
  }

  /** The next claim returns what the test resolves the returned deferred with, when it does. */
  holdNextClaim(): Deferred<ClaimedJob[]> {
    const d = deferred<ClaimedJob[]>();
    this.claimJobs.mockImplementationOnce(() => d.promise);
    return d;
  }

  /** The limit of every claim so far. */
  claimLimits(): number[] {
    return this.claimJobs.mock.calls.map((c) => c[1]);
  }
}

/** A completer that only records: QueueRunner tests set `saturated` themselves. */
export class FakeCompleter {
  saturated = false;
  readonly completed: number[] = [];
  readonly failed: Parameters<Completer['fail']>[0][] = [];
  complete(id: number): void {
    this.completed.push(id);
  }
  fail(f: Parameters<Completer['fail']>[0]): void {
    this.failed.push(f);
  }
  asCompleter(): Completer {
    return this as unknown as Completer;
  }
}

/**
 * Handlers the test controls: a `gated` job runs until the test finishes it (`finish(id)`), and
 * the gate counts how many run at once; `noop` returns at once; `boom` throws.
 */
export class Gates {
  private readonly open = new Map<number, Deferred<void>>();
  /** Ids of gated jobs started, in order. */
  readonly started: number[] = [];
  running = 0;
  maxRunning = 0;

  readonly definitions: JobDefinition<any>[] = [
    defineJob<unknown>({
      name: 'gated',
      handler: async (_payload, ctx) => {
        this.running++;
        this.maxRunning = Math.max(this.maxRunning, this.running);
        this.started.push(ctx.id);
        const gate = deferred();
        this.open.set(ctx.id, gate);
        try {
          await gate.promise;
        } finally {
          this.running--;
        }
      },
    }),
    defineJob<unknown>({ name: 'noop', handler: () => {} }),
    defineJob<unknown>({
      name: 'boom',
      backoff: () => 1234,
      handler: () => {
        throw new Error('card declined');
      },
    }),
  ];

  /** Gated jobs started and not yet finished. */
  waiting(): number[] {
    return [...this.open.keys()];
  }

  finish(id: number): void {
    const gate = this.open.get(id);
    if (!gate) throw new Error(`job ${id} is not running behind a gate`);
    this.open.delete(id);
    gate.resolve();
  }
}

export const WORKER_ID = 'w1';

export function executeDeps(gates: Gates, events = new ErrandEmitter()): ExecuteDeps {
  return {
    registry: new Map(gates.definitions.map((d) => [d.name, d])),
    events,
    logger: pino({ level: 'silent' }),
    workerId: WORKER_ID,
  };
}
