import type { Driver, RelayedJob } from '../drivers/driver.js';
import { ErrandError } from '../errors.js';
import type { ErrandEmitter } from '../events.js';
import type { OutboxStore } from './store.js';

/** Rows per relay pass, and the backstop poll between wake-ups. */
const BATCH = 500;
const POLL_MS = 250;

/**
 * Moves committed outbox rows into the jobs database: woken by the store's channel (NOTIFY at
 * COMMIT on PostgreSQL, the socket beside a SQLite file) and by a backstop poll, one pass at a
 * time, batch after batch while they come back full. A failed pass is reported (db:error) and
 * retried at the next wake-up or poll; its rows stay in the outbox meanwhile.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: OutboxStore,
    private readonly insert: (jobs: RelayedJob[]) => Promise<unknown>,
    private readonly events: ErrandEmitter,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.store.listen(() => this.kick());
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  /** Run a pass now (or right after the one under way); resolves when the outbox is empty or a pass failed. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = this.pass().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        void this.kick();
      }
    });
    this.running = run;
    return run;
  }

  private async pass(): Promise<void> {
    try {
      for (;;) {
        const n = await this.store.relayBatch(BATCH, async (jobs) => {
          await this.insert(jobs);
        });
        if (n < BATCH || this.stopped) return;
      }
    } catch (error) {
      this.events.emit('db:error', { operation: 'outbox relay', error });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.unlisten?.();
    await this.running;
  }
}

/**
 * Job ids reserved in the jobs database ahead of need, so a job written to the outbox has its id
 * at once — also inside a synchronous SQLite transaction (enqueueSync), which cannot wait for a
 * round trip. Refilled in the background when half used. Ids left over when the process ends
 * are simply never used (gaps in the sequence, as a rolled-back insert leaves).
 */
export class IdPool {
  private ids: number[] = [];
  private refilling: Promise<void> | null = null;

  constructor(
    private readonly reserve: (n: number) => Promise<number[]>,
    private readonly events: ErrandEmitter,
    private readonly block = 1000,
  ) {}

  fill(): Promise<void> {
    this.refilling ??= this.reserve(this.block)
      .then((ids) => {
        this.ids.push(...ids);
      })
      .finally(() => {
        this.refilling = null;
      });
    return this.refilling;
  }

  private topUp(): void {
    if (this.ids.length < this.block / 2) {
      this.fill().catch((error: unknown) => this.events.emit('db:error', { operation: 'outbox id reservation', error }));
    }
  }

  takeSync(n: number): number[] {
    if (this.ids.length < n) {
      this.topUp();
      throw new ErrandError('ERRAND_OUTBOX_IDS', `outbox: ${n} job ids needed and ${this.ids.length} reserved; more are being reserved: retry, or enqueue with await enqueue(…, { tx })`);
    }
    const out = this.ids.splice(0, n);
    this.topUp();
    return out;
  }

  async take(n: number): Promise<number[]> {
    if (n > this.block) {
      const extra = await this.reserve(n - Math.min(n, this.ids.length));
      this.ids.push(...extra);
    }
    while (this.ids.length < n) await this.fill();
    return this.takeSync(n);
  }
}

/** The driver methods an outbox relays through, or a clear refusal. */
export function relayTarget(driver: Driver): { reserveIds: (n: number) => Promise<number[]>; insertRelayed: (jobs: RelayedJob[]) => Promise<number[]> } {
  const { reserveIds, insertRelayed } = driver;
  if (!reserveIds || !insertRelayed) {
    const instead = driver.capabilities.transactional ? `on ${driver.dialect}, enqueue with { tx } directly` : 'keep the jobs in PostgreSQL or Redis';
    throw new ErrandError('ERRAND_BAD_OPTION', `outbox: the ${driver.dialect} driver takes no relayed jobs (it needs reserveIds and insertRelayed); ${instead}`);
  }
  return { reserveIds: reserveIds.bind(driver), insertRelayed: insertRelayed.bind(driver) };
}
