import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Driver } from '../drivers/driver.js';
import type { ErrandEmitter } from '../events.js';
import type { AttemptError } from '../types.js';

interface Failure {
  id: number;
  next: 'retryable' | 'dead';
  retryInMs: number;
  error: AttemptError;
}

/**
 * Records outcomes in batches without timers: while one write is in flight, outcomes pile up,
 * and the next write takes them all (group commit). Idle, a completion is written on the next
 * tick; busy, batches grow by themselves. A failed write is kept and retried with backoff — the
 * jobs still hold their leases (the heartbeat renews them) so nothing runs twice meanwhile.
 */
export class Completer {
  private successes: number[] = [];
  /** Results of the successes that have one (JSON text), by id: empty unless handlers return values. */
  private results = new Map<number, string>();
  private failures: Failure[] = [];
  /** Ids in the write now in flight (still held: leases renewed, counted as pending). */
  private writing: number[] = [];
  /** Called after every successful write, so claimers held back by `saturated` look again. */
  onWritten: () => void = () => {};
  private flushing: Promise<void> | null = null;
  private retryDelay = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly driver: Driver,
    private readonly workerId: string,
    private readonly events: ErrandEmitter,
    private readonly maxBatch = 1000,
  ) {}

  /** `result`: the handler's return value as JSON text, written with the completion. */
  complete(id: number, result?: string): void {
    this.successes.push(id);
    if (result !== undefined) this.results.set(id, result);
    this.schedule();
  }

  fail(f: Failure): void {
    this.failures.push(f);
    this.schedule();
  }

  /** Ids whose outcome is not yet written (their leases must still be renewed). */
  pendingIds(): number[] {
    return [...this.writing, ...this.successes, ...this.failures.map((f) => f.id)];
  }

  get pending(): number {
    return this.writing.length + this.successes.length + this.failures.length;
  }

  /**
   * Back-pressure: outcomes are piling up faster than the database takes them (or it is away).
   * Claimers stop claiming until a write brings the backlog down, so a worker never holds more
   * finished-but-unwritten jobs than a couple of batches.
   */
  get saturated(): boolean {
    return this.pending >= 2 * this.maxBatch;
  }

  /** Resolves when everything recorded so far is written (or `deadline` passes). */
  async drain(deadlineMs = 30_000): Promise<boolean> {
    if (this.pending === 0 && !this.flushing) return true;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([idle, late]);
    clearTimeout(timer);
    return this.pending === 0;
  }

  private schedule(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushLoop());
  }

  private async flushLoop(): Promise<void> {
    while (this.pending > 0) {
      if (this.retryDelay) await new Promise((r) => setTimeout(r, this.retryDelay));
      if (await this.writeBatch()) {
        this.retryDelay = 0;
        this.onWritten();
      }
      // A synchronous driver wrote without waiting for I/O: let the event loop turn before the
      // next batch (see QueueRunner.fetch).
      if (this.pending > 0 && this.driver.capabilities.synchronous) await yieldToLoop();
    }
    this.flushing = null;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** One write of what is pending; false (and everything kept) when the database failed. */
  private async writeBatch(): Promise<boolean> {
    const ids = this.successes.splice(0, this.maxBatch);
    this.writing = ids;
    try {
      if (ids.length) {
        // Only a batch holding a result takes the results statement; the common one is unchanged.
        if (this.results.size === 0) await this.driver.completeJobs(ids, this.workerId);
        else {
          await this.driver.completeJobs(ids, this.workerId, ids.map((id) => this.results.get(id) ?? null));
          for (const id of ids) this.results.delete(id);
        }
      }
    } catch (error) {
      this.successes.unshift(...ids);
      this.backoff('complete', error);
      return false;
    } finally {
      this.writing = [];
    }
    const failures = this.failures.splice(0);
    for (let i = 0; i < failures.length; i++) {
      try {
        await this.driver.failJob(failures[i].id, this.workerId, failures[i].next, failures[i].retryInMs, failures[i].error);
      } catch (error) {
        this.failures.unshift(...failures.slice(i));
        this.backoff('fail', error);
        return false;
      }
    }
    return true;
  }

  private backoff(operation: string, error: unknown): void {
    this.retryDelay = Math.min(Math.max(this.retryDelay * 2, 50), 5000);
    this.events.emit('db:error', { workerId: this.workerId, operation, error });
  }
}
