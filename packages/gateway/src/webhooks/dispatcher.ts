/**
 * Webhooks: every event is recorded; when an endpoint is set it is POSTed there, signed, and
 * retried with exponential backoff until the endpoint answers 2xx. First attempts go out one at
 * a time in the order the events happened, so without faults the endpoint sees them in order.
 *
 * Delivery faults, drawn from their own seeded source (so they never shift the API's faults):
 * - webhookDrop: the first attempt is not sent (recorded as `dropped`); the retry redelivers it;
 * - webhookDuplicate: once delivered, the event is delivered a second time;
 * - webhookReorder: the event is held back and sent after the next one (or after 500 ms);
 * - webhookDelayMs: the first attempt of an event not held back waits U[0, webhookDelayMs) ms,
 *   out of the ordered queue.
 */
import { mulberry32 } from '../faults.js';
import { buildEvent, type EventObject, type EventRequest, type EventType } from '../objects/event.js';
import type { Faults } from '../types.js';
import { newSecret, signPayload } from './sign.js';

export interface Endpoint {
  url: string;
  secret: string;
}

export interface Delivery {
  attempt: number;
  /** When the attempt was made (ms since the epoch). */
  at: number;
  outcome: 'delivered' | 'failed' | 'dropped';
  /** The endpoint's HTTP status, or null when it could not be reached (see error) or the attempt was dropped. */
  status: number | null;
  error?: string;
  /** A second delivery of an already delivered event (webhookDuplicate). */
  duplicate?: true;
  /** The fault that shaped this attempt, if any. */
  fault?: 'drop' | 'duplicate' | 'reorder' | 'delay';
}

export interface EventLogEntry {
  id: string;
  type: EventType;
  created: number;
  /** The endpoint it was sent to, or null when none was set when the event happened. */
  url: string | null;
  delivered: boolean;
  deliveries: Delivery[];
  event: EventObject;
}

export interface WebhookOptions {
  now: () => number;
  faults: () => Faults;
  seed: () => number;
  /** First retry delay; doubled each attempt, capped at 60 s. Default 1000 ms. */
  retryMs?: number;
  log?: ((line: string) => void) | null;
}

const MAX_BACKOFF_MS = 60_000;
const TIMEOUT_MS = 10_000;
const REORDER_HOLD_MS = 500;

interface Job {
  entry: EventLogEntry;
  endpoint: Endpoint;
  payload: string;
  drop: boolean;
  duplicate: boolean;
}

export class Webhooks {
  private endpointValue: Endpoint | null = null;
  private readonly log: EventLogEntry[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly aborts = new Set<AbortController>();
  private queue: Job[] = [];
  private held: Job | null = null;
  private sending = false;
  private random: () => number;
  private closed = false;
  /** Bumped by clear(): work begun before it is abandoned. */
  private generation = 0;

  constructor(private readonly o: WebhookOptions) {
    this.random = mulberry32(this.streamSeed());
  }

  private streamSeed(): number {
    return (this.o.seed() ^ 0x5bd1e995) >>> 0;
  }

  /** Sets (or with url null, removes) the endpoint; a missing secret gets a fresh whsec_… one. */
  configure(url: string | null, secret?: string): Endpoint | null {
    if (url === null) {
      this.endpointValue = null;
      return null;
    }
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('url must be http: or https:');
    this.endpointValue = { url: parsed.href, secret: secret || this.endpointValue?.secret || newSecret() };
    return { ...this.endpointValue };
  }

  endpoint(): Endpoint | null {
    return this.endpointValue ? { ...this.endpointValue } : null;
  }

  events(): EventLogEntry[] {
    return this.log.map((e) => ({ ...e, deliveries: e.deliveries.map((d) => ({ ...d })) }));
  }

  /** Records an event and, when an endpoint is set, starts delivering it. */
  emit(type: EventType, object: unknown, request: EventRequest = { id: null, idempotency_key: null }, previous?: Record<string, unknown>): EventObject {
    const endpoint = this.endpointValue;
    const event = buildEvent(type, object, Math.floor(this.o.now() / 1000), request, previous);
    event.pending_webhooks = endpoint ? 1 : 0;
    const entry: EventLogEntry = { id: event.id, type, created: event.created, url: endpoint?.url ?? null, delivered: false, deliveries: [], event };
    this.log.push(entry);
    if (!endpoint || this.closed) return event;

    // Four draws per event, whatever the faults, so a run with the same seed meets the same ones.
    const f = this.o.faults();
    const job: Job = {
      entry,
      endpoint,
      payload: JSON.stringify(event, null, 2),
      drop: this.random() < f.webhookDrop,
      duplicate: this.random() < f.webhookDuplicate,
    };
    const reorder = this.random() < f.webhookReorder;
    const delay = Math.floor(this.random() * f.webhookDelayMs);
    // A reorder first: with webhookDelayMs set every event draws some delay, so a delay first
    // would leave no event to reorder when both faults are on (as in the chaos run).
    if (reorder && this.held === null) {
      this.held = job;
      this.after(REORDER_HOLD_MS, () => this.releaseHeld());
    } else if (delay > 0) {
      this.after(delay, () => this.attempt(job, 1, 'delay'));
    } else {
      this.queue.push(job);
      void this.pump();
    }
    return event;
  }

  private releaseHeld(): void {
    const job = this.held;
    if (!job) return;
    this.held = null;
    void this.attempt(job, 1, 'reorder');
  }

  /** Sends first attempts one at a time, in order. */
  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    const generation = this.generation;
    try {
      while (this.queue.length > 0 && !this.closed && generation === this.generation) {
        const job = this.queue.shift() as Job;
        await this.attempt(job, 1);
        if (this.held && this.held !== job) this.releaseHeld();
      }
    } finally {
      this.sending = false;
    }
  }

  private async attempt(job: Job, attempt: number, fault?: Delivery['fault']): Promise<void> {
    if (this.closed) return;
    const generation = this.generation;
    const at = this.o.now();
    if (attempt === 1 && job.drop) {
      job.entry.deliveries.push({ attempt, at, outcome: 'dropped', status: null, fault: 'drop' });
      this.logLine(job, attempt, 'dropped (fault)');
      this.retry(job, attempt);
      return;
    }
    const result = await this.post(job);
    if (generation !== this.generation || this.closed) return;
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const delivery: Delivery = { attempt, at, outcome: ok ? 'delivered' : 'failed', status: result.status };
    if (result.error) delivery.error = result.error;
    if (fault) delivery.fault = fault;
    job.entry.deliveries.push(delivery);
    this.logLine(job, attempt, result.status === null ? `error ${result.error}` : String(result.status));
    if (!ok) return this.retry(job, attempt);
    job.entry.delivered = true;
    if (job.duplicate) {
      job.duplicate = false;
      const again = await this.post(job);
      if (generation !== this.generation || this.closed) return;
      const okAgain = again.status !== null && again.status >= 200 && again.status < 300;
      job.entry.deliveries.push({
        attempt: attempt + 1,
        at: this.o.now(),
        outcome: okAgain ? 'delivered' : 'failed',
        status: again.status,
        duplicate: true,
        fault: 'duplicate',
        ...(again.error ? { error: again.error } : {}),
      });
      this.logLine(job, attempt + 1, `${again.status ?? again.error} (duplicate)`);
    }
  }

  private retry(job: Job, attempt: number): void {
    const base = this.o.retryMs ?? 1000;
    const wait = Math.min(MAX_BACKOFF_MS, base * 2 ** (attempt - 1));
    this.after(wait, () => this.attempt(job, attempt + 1));
  }

  private async post(job: Job): Promise<{ status: number | null; error?: string }> {
    const controller = new AbortController();
    this.aborts.add(controller);
    const timeout = setTimeout(() => controller.abort(new Error(`no answer in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    try {
      const signature = signPayload(job.payload, job.endpoint.secret, Math.floor(this.o.now() / 1000));
      const res = await fetch(job.endpoint.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Stripe-Signature': signature,
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: job.payload,
        signal: controller.signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      return { status: res.status };
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return { status: null, error: cause?.code ?? cause?.message ?? (e as Error).message };
    } finally {
      clearTimeout(timeout);
      this.aborts.delete(controller);
    }
  }

  private after(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private logLine(job: Job, attempt: number, what: string): void {
    this.o.log?.(`webhook ${job.entry.type} ${job.entry.id} attempt ${attempt} -> ${what}`);
  }

  /** Forgets every event and pending delivery (the endpoint stays); restarts the fault source. */
  clear(): void {
    this.generation++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const a of this.aborts) a.abort(new Error('gateway reset'));
    this.queue = [];
    this.held = null;
    this.log.length = 0;
    this.random = mulberry32(this.streamSeed());
  }

  /** A new seed restarts the fault source. */
  reseed(): void {
    this.random = mulberry32(this.streamSeed());
  }

  close(): void {
    this.closed = true;
    this.clear();
  }
}
