/** Fault injection: settings, validation and a seeded random source (mulberry32). */
import type { Faults } from './types.js';

export const SHARE_FIELDS = ['error500', 'error429', 'hang', 'reset', 'lostResponse', 'webhookDuplicate', 'webhookReorder', 'webhookDrop'] as const;
const DELAY_FIELDS = ['latencyMs', 'jitterMs', 'processingMs', 'webhookDelayMs'] as const;

export function noFaults(): Faults {
  return {
    latencyMs: 0,
    jitterMs: 0,
    error500: 0,
    error429: 0,
    hang: 0,
    reset: 0,
    lostResponse: 0,
    processingMs: 0,
    webhookDuplicate: 0,
    webhookReorder: 0,
    webhookDrop: 0,
    webhookDelayMs: 0,
  };
}

/** Checks a partial Faults object; throws RangeError/TypeError naming the field. */
export function validateFaults(input: unknown): Partial<Faults> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError('faults must be an object');
  const out: Partial<Faults> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if ((SHARE_FIELDS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new RangeError(`${key} must be a number from 0 to 1`);
      out[key as (typeof SHARE_FIELDS)[number]] = value;
    } else if ((DELAY_FIELDS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 600_000) {
        throw new RangeError(`${key} must be a number of milliseconds from 0 to 600000`);
      }
      out[key as (typeof DELAY_FIELDS)[number]] = value;
    } else if (key === 'seed') {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new RangeError('seed must be an integer');
      out.seed = value;
    } else {
      throw new TypeError(`unknown fault '${key}' (known: ${[...DELAY_FIELDS, ...SHARE_FIELDS, 'seed'].join(', ')})`);
    }
  }
  return out;
}

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What happens to one request, decided when it arrives. */
export interface FaultPlan {
  delayMs: number;
  /** Happens before anything is executed. */
  before: 'hang' | 'reset' | 'error500' | 'error429' | null;
  /** The request is executed and saved, then the connection is destroyed instead of answering. */
  lostResponse: boolean;
}

/**
 * Holds the current faults and draws plans. Every faultable request draws exactly three numbers
 * (jitter, failure before execution, lost response) and every other /v1 request one (jitter), so
 * a sequential run with the same seed gets the same faults.
 */
export class FaultInjector {
  private current: Faults;
  private random: () => number;

  constructor(initial: Partial<Faults> = {}, seed?: number) {
    const s = seed ?? initial.seed ?? Math.floor(Math.random() * 2 ** 31);
    this.current = { ...noFaults(), ...validateFaults(initial), seed: s };
    this.random = mulberry32(s);
  }

  get(): Faults {
    return { ...this.current };
  }

  /** Merges a partial update; a new seed restarts the random source. */
  set(update: Partial<Faults>): Faults {
    const valid = validateFaults(update);
    this.current = { ...this.current, ...valid };
    if (valid.seed !== undefined) this.random = mulberry32(valid.seed);
    return this.get();
  }

  /** Restarts the random source from the current seed. */
  reseed(): void {
    this.random = mulberry32(this.current.seed ?? 0);
  }

  restoreDefaults(): Faults {
    this.current = { ...noFaults(), seed: this.current.seed };
    this.reseed();
    return this.get();
  }

  delay(): number {
    const u = this.random();
    const { latencyMs, jitterMs } = this.current;
    return latencyMs + (jitterMs > 0 ? Math.floor(u * jitterMs) : 0);
  }

  plan(): FaultPlan {
    const delayMs = this.delay();
    const f = this.current;
    const u = this.random();
    let before: FaultPlan['before'] = null;
    let edge = f.hang;
    if (u < edge) before = 'hang';
    else if (u < (edge += f.reset)) before = 'reset';
    else if (u < (edge += f.error500)) before = 'error500';
    else if (u < (edge += f.error429)) before = 'error429';
    const lostResponse = this.random() < f.lostResponse;
    return { delayMs, before, lostResponse };
  }
}
