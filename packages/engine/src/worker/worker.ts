import type { Tracing } from '../tracing.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Driver } from '../drivers/driver.js';
import { ErrandError } from '../errors.js';
import type { ErrandEmitter } from '../events.js';
import type { JobDefinition } from '../job.js';
import { Maintainer } from '../maintenance/maintainer.js';
import type { ScheduleDefinition } from '../schedules/schedule.js';
import { Scheduler } from '../schedules/scheduler.js';
import { Completer } from './completer.js';
import { QueueRunner } from './queue-runner.js';

export interface WorkerOptions {
  /** Queue name → concurrency. Default `{ default: 10 }`. */
  queues?: Record<string, number>;
  /** How long a claim holds without renewal. Default 15,000 ms; renewed every third of it. */
  leaseMs?: number;
  /** How long stop() lets running jobs finish before aborting and releasing them. Default 10,000 ms. */
  shutdownTimeoutMs?: number;
  /**
   * Jobs claimed per queue ahead of free slots, at first. Default: the queue's concurrency.
   * While a full batch keeps arriving to idle slots (jobs faster than a round trip), the buffer
   * doubles up to `maxPrefetch` (default 1000); it falls back when the queue runs dry.
   */
  prefetch?: number;
  maxPrefetch?: number;
  /**
   * How often to look for work without a wake-up. Default 2,000 ms while wake-ups are up
   * (PostgreSQL's LISTEN/NOTIFY, SQLite's socket channel), 100 ms without or while they are down.
   */
  pollMs?: number;
  /** Run lease rescue, promotion, pruning and the Errand's schedules in this worker. Default true. */
  maintenance?: boolean;
  /** Delete completed and dead jobs older than this. Default 7 days. */
  pruneAfterMs?: number;
  /** A name for this worker, shown in the console. Default host:pid:random. */
  id?: string;
}

export interface WorkerDeps {
  driver: Driver;
  registry: ReadonlyMap<string, JobDefinition<any>>;
  events: ErrandEmitter;
  logger: Logger;
  /** Subscribe to in-process wake-ups (enqueues from this process). */
  onLocalWake: (listener: (queue: string) => void) => () => void;
  /** Largest result stored (createErrand's `maxResultBytes`). */
  maxResultBytes?: number;
  /** Least time between two progress writes of one job (createErrand's `progressThrottleMs`). */
  progressThrottleMs?: number;
  /** OpenTelemetry, when its API is installed (tracing.ts). */
  tracing?: Tracing;
  /** The Errand's schedules: run by this worker's maintenance (none: no scheduler at all). */
  schedules?: readonly ScheduleDefinition<any>[];
}

const QUEUE_NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;

/** Parse `payments=10,default=5` into `{ payments: 10, default: 5 }`, or say what is wrong. */
export function parseQueues(spec: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)(?:=(\d+))?$/.exec(part);
    if (!m || !QUEUE_NAME.test(m[1])) throw new ErrandError('ERRAND_BAD_OPTION', `bad queue ${JSON.stringify(part)}: expected name=concurrency, e.g. payments=10`);
    const n = m[2] === undefined ? 10 : Number(m[2]);
    if (n < 1 || n > 10_000) throw new ErrandError('ERRAND_BAD_OPTION', `bad concurrency for queue ${m[1]}: ${m[2]} (1 to 10000)`);
    out[m[1]] = n;
  }
  if (Object.keys(out).length === 0) throw new ErrandError('ERRAND_BAD_OPTION', 'no queues given: expected name=concurrency, e.g. payments=10,default=5');
  return out;
}

/**
 * A worker: one QueueRunner per queue, a Completer that writes outcomes in batches, a heartbeat
 * that renews leases and announces the worker, a Maintainer, and a wake-up source (NOTIFY or a
 * poll). stop() is graceful: stop claiming, hand back what never started, let running jobs finish
 * until the deadline, then abort and release the rest so another worker takes them at once.
 */
export class Worker {
  readonly id: string;
  readonly queues: Record<string, number>;
  private readonly leaseMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly runners: QueueRunner[];
  private readonly completer: Completer;
  private readonly maintainer: Maintainer | null;
  private readonly scheduler: Scheduler | null;
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribers: (() => unknown)[] = [];
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopping: Promise<void> | null = null;
  private beating = false;

  constructor(
    private readonly deps: WorkerDeps,
    private readonly options: WorkerOptions = {},
  ) {
    this.queues = options.queues ?? { default: 10 };
    for (const [q, n] of Object.entries(this.queues)) {
      if (!QUEUE_NAME.test(q)) throw new ErrandError('ERRAND_BAD_OPTION', `bad queue name ${JSON.stringify(q)}`);
      if (!Number.isInteger(n) || n < 1) throw new ErrandError('ERRAND_BAD_OPTION', `queue ${q}: concurrency must be a positive integer, got ${n}`);
    }
    this.leaseMs = positive('leaseMs', options.leaseMs ?? 15_000);
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.completer = new Completer(deps.driver, this.id, deps.events);
    // Only runners that held a claim back for the completer (not every runner after every
    // write: that was one empty claim per job when jobs trickle in).
    this.completer.onWritten = () => {
      if (this.state === 'running') for (const r of this.runners) r.resume();
    };
    const execDeps = {
      registry: deps.registry, events: deps.events, logger: deps.logger, workerId: this.id,
      driver: deps.driver, maxResultBytes: deps.maxResultBytes, progressThrottleMs: deps.progressThrottleMs, tracing: deps.tracing,
    };
    this.runners = Object.entries(this.queues).map(
      ([queue, concurrency]) =>
        new QueueRunner(
          {
            queue,
            concurrency,
            prefetch: options.prefetch ?? concurrency,
            maxPrefetch: Math.max(options.maxPrefetch ?? 1000, options.prefetch ?? concurrency),
            leaseMs: this.leaseMs,
          },
          deps.driver,
          this.completer,
          execDeps,
          deps.events,
        ),
    );
    this.maintainer =
      options.maintenance === false
        ? null
        : new Maintainer(deps.driver, deps.events, { workerId: this.id, leaseMs: this.leaseMs, pruneAfterMs: options.pruneAfterMs ?? 7 * 24 * 3600_000 });
    this.scheduler = options.maintenance !== false && deps.schedules?.length ? new Scheduler(deps.driver, deps.events, deps.schedules, this.id) : null;
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Jobs running right now in this worker. */
  get runningCount(): number {
    return this.runners.reduce((n, r) => n + r.running.size, 0);
  }

  async start(): Promise<this> {
    if (this.state !== 'new') throw new ErrandError('ERRAND_BAD_OPTION', `worker ${this.id} was already started`);
    this.state = 'running';
    const { driver, events } = this.deps;
    await this.beat().catch((error) => events.emit('db:error', { workerId: this.id, operation: 'register', error }));
    const wake = (queue: string) => {
      for (const r of this.runners) if (queue === '*' || queue === r.queue) r.wake();
    };
    // While LISTEN is up, every committed insert of a due job, this process's own included,
    // arrives as a NOTIFY (usually before the INSERT's reply): an in-process wake on top of it
    // only sent a second claim that came back empty. In-process wakes count while it is down.
    let listening = false;
    this.unsubscribers.push(this.deps.onLocalWake((queue) => {
      if (!listening) wake(queue);
    }));
    if (driver.capabilities.listen) {
      const unlisten = await driver
        .listen(
          wake,
          (error) => events.emit('db:error', { workerId: this.id, operation: 'listen', error }),
          (up) => (listening = up),
        )
        .catch((error) => {
          events.emit('db:error', { workerId: this.id, operation: 'listen', error });
          return null;
        });
      if (unlisten) this.unsubscribers.push(unlisten);
    }
    // With wake-ups, poll slowly while they are up and at the fast rate while they are down (a
    // channel that never came up, a lost connection): a job is never left longer than that.
    const slowPoll = this.options.pollMs ?? (driver.capabilities.listen ? 2000 : 100);
    const fastPoll = Math.min(this.options.pollMs ?? 100, slowPoll);
    let lastPoll = performance.now();
    this.timers.push(
      setInterval(() => {
        const now = performance.now();
        if (listening && now - lastPoll < slowPoll - fastPoll / 2) return;
        lastPoll = now;
        wake('*');
      }, fastPoll),
    );
    this.timers.push(setInterval(() => void this.beat().catch((error) => events.emit('db:error', { workerId: this.id, operation: 'heartbeat', error })), Math.max(50, Math.floor(this.leaseMs / 3))));
    this.maintainer?.start();
    this.scheduler?.start();
    events.emit('worker:start', { workerId: this.id, queues: this.queues });
    wake('*');
    return this;
  }

  /** Renew the leases of every job this worker holds; abort the ones it lost or that were cancelled. */
  private async beat(): Promise<void> {
    // One heartbeat at a time: when the database is slow, ticks must not pile up behind it.
    if (this.beating) return;
    this.beating = true;
    try {
      await this.renewLeases();
      if (this.state === 'running') await this.readRateLimits();
    } finally {
      this.beating = false;
    }
  }

  /**
   * Which of this worker's queues have a rate limit, as stored in the database (whoever declared
   * it): read at start and at each heartbeat, so a limit declared or removed elsewhere applies
   * here within a heartbeat. The limit's numbers are read by each claim itself.
   */
  private async readRateLimits(): Promise<void> {
    const limited = new Set((await this.deps.driver.rateLimits()).map((l) => l.queue));
    for (const r of this.runners) r.setLimited(limited.has(r.queue));
  }

  private async renewLeases(): Promise<void> {
    const held = [...this.runners.flatMap((r) => r.heldIds()), ...this.completer.pendingIds()];
    const { driver } = this.deps;
    await driver.registerWorker({ id: this.id, host: hostname(), pid: process.pid, queues: this.queues, running: this.runningCount });
    if (held.length === 0) return;
    const still = new Set(await driver.heartbeat(this.id, held, this.leaseMs));
    const lost = new Set(held.filter((id) => !still.has(id)));
    if (lost.size === 0) return;
    // Rare: a job was rescued elsewhere or cancelled by an operator. One more read tells which.
    const cancelled = new Set(await driver.findCancelled(this.id, [...lost]).catch(() => []));
    for (const r of this.runners) r.leaseLost(lost, cancelled);
  }

  /** Graceful stop; resolves when every job is finished or released. Safe to call twice. */
  stop(): Promise<void> {
    if (this.state === 'new') this.state = 'stopped';
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.state = 'stopping';
    const { driver, events } = this.deps;
    for (const u of this.unsubscribers.splice(0)) await Promise.resolve(u()).catch(() => {});
    let released = 0;
    for (const r of this.runners) released += await r.stopFetching().catch(() => 0);
    const idle = Promise.all(this.runners.map((r) => r.idle()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.shutdownTimeoutMs)));
    if ((await Promise.race([idle.then(() => 'idle' as const), deadline])) === 'late') {
      for (const r of this.runners) released += r.abortRunning();
      await idle;
    }
    clearTimeout(timer);
    await this.completer.drain(Math.max(this.shutdownTimeoutMs, 5000));
    for (const t of this.timers.splice(0)) clearInterval(t);
    await this.maintainer?.stop();
    await this.scheduler?.stop();
    await driver.deregisterWorker(this.id).catch(() => {});
    this.state = 'stopped';
    events.emit('worker:stop', { workerId: this.id, released });
  }
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new ErrandError('ERRAND_BAD_OPTION', `${name} must be a positive number of milliseconds, got ${v}`);
  return v;
}
