import type { Driver } from '../drivers/driver.js';
import type { ErrandEmitter } from '../events.js';

export interface MaintainerOptions {
  workerId: string;
  leaseMs: number;
  pruneAfterMs: number;
}

/**
 * Housekeeping that every worker does (cheap, and SKIP LOCKED keeps two workers from fighting):
 * rescue jobs whose lease ran out, promote due scheduled/retryable jobs, prune old finished jobs.
 * Rescue runs every second or so, so a dead worker's jobs return within its lease plus a second.
 */
export class Maintainer {
  private timers: NodeJS.Timeout[] = [];
  private firstPrune: NodeJS.Timeout | undefined;
  private busy = new Set<string>();

  constructor(
    private readonly driver: Driver,
    private readonly events: ErrandEmitter,
    private readonly opts: MaintainerOptions,
  ) {}

  start(): void {
    const every = Math.min(1000, Math.max(100, Math.floor(this.opts.leaseMs / 4)));
    const jitter = () => Math.floor(Math.random() * every * 0.2);
    this.timers.push(setInterval(() => this.task('rescue', () => this.rescue()), every + jitter()));
    this.timers.push(setInterval(() => this.task('promote', () => this.driver.promoteDue()), 1000 + jitter()));
    this.timers.push(setInterval(() => this.task('prune', () => this.driver.prune(this.opts.pruneAfterMs)), 10 * 60_000 + jitter()));
    this.firstPrune = setTimeout(() => this.task('prune', () => this.driver.prune(this.opts.pruneAfterMs)), 5000 + jitter());
    for (const t of [...this.timers, this.firstPrune]) t.unref();
  }

  async rescue(): Promise<void> {
    const jobs = await this.driver.rescueExpired();
    if (jobs.length) this.events.emit('job:rescued', { jobs });
  }

  private task(name: string, fn: () => Promise<unknown>): void {
    if (this.busy.has(name)) return;
    this.busy.add(name);
    fn()
      .catch((error) => this.events.emit('db:error', { workerId: this.opts.workerId, operation: name, error }))
      .finally(() => this.busy.delete(name));
  }

  async stop(): Promise<void> {
    for (const t of this.timers.splice(0)) clearInterval(t);
    clearTimeout(this.firstPrune);
  }
}
