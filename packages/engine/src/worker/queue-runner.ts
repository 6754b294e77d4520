import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Driver } from '../drivers/driver.js';
import type { ErrandEmitter } from '../events.js';
import type { ClaimedJob } from '../types.js';
import type { Completer } from './completer.js';
import { Attempt, CancelledAbort, type ExecuteDeps, executeJob, LeaseLostAbort, ShutdownAbort } from './execute.js';

export interface QueueRunnerOptions {
  queue: string;
  concurrency: number;
  /** Jobs claimed ahead of free slots at first (a local buffer, so a slot never waits on a round trip). */
  prefetch: number;
  /** The most the buffer may grow to while slots keep starving (fast jobs). */
  maxPrefetch: number;
  leaseMs: number;
}

interface Running {
  job: ClaimedJob;
  attempt: Attempt;
  done: Promise<void>;
}

/**
 * Two claims may be in flight: a wake-up that arrives while one claim is out (a NOTIFY, a
 * local enqueue) starts the next at once instead of waiting a round trip. SKIP LOCKED keeps
 * their batches disjoint.
 */
const MAX_INFLIGHT = 2;

/**
 * A claim on a per-key rate-limited queue looks at this many due jobs (in claim order) for ones
 * whose key has room: jobs of a full key further back than that wait for the next window.
 */
export const RATE_SCAN = 1000;

/**
 * Serves one queue: claims jobs in batches into a small local buffer and runs them with a fixed
 * concurrency. One claim is in flight at a time; a claim that came back full is followed at once
 * by another (there is more), one that came back short waits for a wake-up or the poll.
 */
export class QueueRunner {
  readonly running = new Map<number, Running>();
  private buffer: ClaimedJob[] = [];
  /** Claims in flight (at most MAX_INFLIGHT) and the jobs they may bring. */
  private inflight = 0;
  private inflightWant = 0;
  /**
   * A wake-up (an enqueue here, a NOTIFY, the poll) that no claim has answered yet: the claim it
   * asked for was deferred (two in flight, or a batch not yet worth claiming), so the next
   * chance — a claim returning, a job finishing — makes it.
   */
  private pendingWake = false;
  /** A claim was held back because the completer is saturated; its next write resumes us. */
  private heldByCompleter = false;
  private stopped = false;
  private errorDelay = 0;
  private prefetch: number;
  private lastClaimFull = false;
  private lastClaimStart = 0;
  private lastClaimMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** stopFetching waits on this for the claims still out (and their releases) to settle. */
  private claimsSettled: (() => void) | undefined;
  /** Jobs claims brought back after stopFetching began, handed back at once. */
  private releasedLate = 0;
  /**
   * The queue has a rate limit (stored in the database): claims go through claimRateLimited,
   * only for free slots (a claimed job counts as started, so it must not wait in a buffer).
   */
  private limited = false;
  /** performance.now() until which the queue's window is full: no claim before (wake-ups wait). */
  private holdUntil = 0;
  private windowTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: QueueRunnerOptions,
    private readonly driver: Driver,
    private readonly completer: Completer,
    private readonly deps: ExecuteDeps,
    private readonly events: ErrandEmitter,
  ) {
    this.prefetch = opts.prefetch;
  }

  get queue(): string {
    return this.opts.queue;
  }

  /** Ids held by this runner (running or buffered): their leases are renewed. */
  heldIds(): number[] {
    return [...this.running.keys(), ...this.buffer.map((j) => j.id)];
  }

  /** New work may exist (an enqueue here, a NOTIFY, the poll, the completer catching up). */
  wake(): void {
    if (this.stopped) return;
    this.pendingWake = true;
    this.tryFetch();
  }

  /** Whether the queue has a rate limit (the worker reads the stored limits at start and each heartbeat). */
  setLimited(limited: boolean): void {
    if (limited === this.limited) return;
    this.limited = limited;
    this.holdUntil = 0;
    clearTimeout(this.windowTimer);
    if (!this.stopped) this.wake();
  }

  /** The completer wrote a batch: claim again if a claim was held back for it. */
  resume(): void {
    if (!this.heldByCompleter || this.stopped) return;
    this.heldByCompleter = false;
    this.tryFetch();
  }

  private tryFetch(): void {
    if (this.stopped || this.inflight >= MAX_INFLIGHT) return; // pendingWake stays set
    void this.fetch();
  }

  /** Jobs claimed ahead of free slots: none on a rate-limited queue. */
  private get ahead(): number {
    return this.limited ? 0 : this.prefetch;
  }

  private room(): number {
    return this.opts.concurrency + this.ahead - this.running.size - this.buffer.length - this.inflightWant;
  }

  /** Wake when the current window ends (the database said how long it has left). */
  private wakeAtWindowEnd(ms: number): void {
    clearTimeout(this.windowTimer);
    if (this.stopped) return;
    this.windowTimer = setTimeout(() => {
      this.holdUntil = 0;
      this.wake();
    }, Math.max(1, Math.ceil(ms)));
  }

  private async fetch(): Promise<void> {
    if (this.completer.saturated) {
      this.heldByCompleter = true; // resumed by the completer's next write
      return;
    }
    // A full window: nothing can be claimed before it ends (its timer wakes us; wake-ups wait).
    if (this.limited && this.holdUntil > performance.now()) return;
    const want = this.room();
    // Wait for a worthwhile batch unless slots sit idle (a pending wake-up stays pending).
    if (want <= 0 || (want < Math.ceil(this.ahead / 2) && this.buffer.length + this.inflightWant > 0)) return;
    this.inflight++;
    this.inflightWant += want;
    this.pendingWake = false;
    let got = 0;
    try {
      if (this.driver.capabilities.synchronous) {
        // Claim → run → complete never waits for I/O here: without a macrotask per batch, the
        // event loop (timers, sockets, the HTTP requests of the same process) would not turn.
        await yieldToLoop();
        if (this.stopped) return;
      }
      // Claims back to back after a full batch: the jobs run faster than we claim them.
      const started = performance.now();
      const hot = this.lastClaimFull && started - this.lastClaimStart < Math.max(5, 10 * this.lastClaimMs);
      this.lastClaimStart = started;
      const jobs = this.limited ? await this.claimLimited(want) : await this.driver.claimJobs(this.opts.queue, want, this.deps.workerId, this.opts.leaseMs);
      got = jobs.length;
      this.lastClaimMs = performance.now() - started;
      this.errorDelay = 0;
      if (this.stopped) {
        await this.driver.releaseJobs(jobs.map((j) => j.id), this.deps.workerId, true, null);
        this.releasedLate += jobs.length;
        return;
      }
      // Adapt the buffer to the jobs: when the jobs outrun the claims, claim more at a time
      // (fast jobs); when the queue runs dry, start over (slow or sparse jobs).
      this.lastClaimFull = got === want;
      if (got < want) this.prefetch = this.opts.prefetch;
      else if (hot && !this.limited) this.prefetch = Math.min(this.prefetch * 2, this.opts.maxPrefetch);
      this.buffer.push(...jobs);
      this.dispatch();
    } catch (error) {
      this.events.emit('db:error', { workerId: this.deps.workerId, operation: `claim ${this.opts.queue}`, error });
      this.errorDelay = Math.min(Math.max(this.errorDelay * 2, 100), 5000);
      clearTimeout(this.retryTimer);
      if (!this.stopped) this.retryTimer = setTimeout(() => this.wake(), this.errorDelay);
      return;
    } finally {
      this.inflight--;
      this.inflightWant -= want;
      if (this.inflight === 0) this.claimsSettled?.();
    }
    if (got === want || this.pendingWake) this.tryFetch();
  }

  /**
   * A claim within the queue's rate limit. When the limit held jobs back, wake at the window's
   * end (never a busy loop); a full queue-wide window also holds every claim until then.
   */
  private async claimLimited(want: number): Promise<ClaimedJob[]> {
    const res = await this.driver.claimRateLimited(this.opts.queue, want, this.deps.workerId, this.opts.leaseMs, RATE_SCAN);
    if (!res.limited) {
      this.limited = false; // the limit was removed: the plain claim from now on
      return res.jobs;
    }
    if (res.held) {
      if (res.held === 'queue') this.holdUntil = performance.now() + res.windowLeftMs;
      this.wakeAtWindowEnd(res.windowLeftMs);
    }
    return res.jobs;
  }

  private dispatch(): void {
    while (!this.stopped && this.running.size < this.opts.concurrency && this.buffer.length > 0) {
      const job = this.buffer.shift()!;
      const attempt = new Attempt();
      const entry: Running = { job, attempt, done: Promise.resolve() };
      this.running.set(job.id, entry);
      entry.done = this.run(job, attempt);
    }
  }

  private async run(job: ClaimedJob, attempt: Attempt): Promise<void> {
    const outcome = await executeJob(job, this.deps, attempt);
    this.running.delete(job.id);
    if (outcome.kind === 'success') this.completer.complete(job.id, outcome.result);
    else if (outcome.kind === 'failure') {
      this.completer.fail({ id: job.id, next: outcome.next, retryInMs: outcome.retryInMs, error: outcome.record });
    } else if (outcome.reason instanceof ShutdownAbort) {
      await this.driver
        .releaseJobs([job.id], this.deps.workerId, true, {
          attempt: job.attempt, at: new Date().toISOString(), kind: 'shutdown', message: outcome.reason.message,
        })
        .catch((error) => this.events.emit('db:error', { workerId: this.deps.workerId, operation: 'release', error }));
    }
    if (!this.stopped) {
      this.dispatch();
      // Claim again if the last claim came back full (there may be more) or a wake-up is still
      // unanswered. A queue that ran dry waits for the next wake-up, not for every finished job:
      // that halves the claims when jobs trickle in.
      if (this.lastClaimFull || this.pendingWake) this.tryFetch();
    }
  }

  /**
   * Abort running jobs whose lease another worker may now hold, or (`cancelled`) that an operator
   * cancelled; drop them from the buffer.
   */
  leaseLost(ids: Set<number>, cancelled: ReadonlySet<number> = new Set()): void {
    for (const [id, r] of this.running) if (ids.has(id)) r.attempt.abort(cancelled.has(id) ? new CancelledAbort() : new LeaseLostAbort());
    this.buffer = this.buffer.filter((j) => !ids.has(j.id));
  }

  /**
   * Stop claiming; hand back the buffered jobs that never started, and the jobs of any claim
   * still out once it returns: the caller closes the driver next, too late for those releases.
   */
  async stopFetching(): Promise<number> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.windowTimer);
    const ids = this.buffer.map((j) => j.id);
    this.buffer = [];
    if (ids.length) await this.driver.releaseJobs(ids, this.deps.workerId, true, null);
    if (this.inflight > 0) {
      // Not past the lease: by then the claim's jobs are rescued anyway, and a hung claim must
      // not hang the shutdown.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.claimsSettled = resolve;
        timer = setTimeout(resolve, this.opts.leaseMs);
      });
      clearTimeout(timer);
    }
    return ids.length + this.releasedLate;
  }

  /** Abort what is still running (past the shutdown deadline); each is released, not failed. */
  abortRunning(): number {
    for (const r of this.running.values()) r.attempt.abort(new ShutdownAbort());
    return this.running.size;
  }

  async idle(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}
