/**
 * Idempotency keys as Stripe documents them: scoped to the API key, compared on the request's
 * method, path and parameters, the saved response replayed for a repeat, kept 24 hours.
 * Only requests that began executing are saved; a failure before that frees the key.
 */
import { idempotencyInUse, idempotencyMismatch, invalidRequest } from './errors.js';
import type { FormValue } from './form.js';

export const KEY_TTL_MS = 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 60_000;
const MAX_KEY_LENGTH = 255;

export interface SavedResponse {
  status: number;
  body: string;
  requestId: string;
}

interface Entry {
  fingerprint: string;
  createdAt: number;
  saved: SavedResponse | null;
}

export type Begin = { kind: 'new'; slot: string } | { kind: 'replay'; saved: SavedResponse };

/** A stable text form of the parameters: object keys sorted, so field order does not matter. */
export function canonical(value: FormValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
}

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private lastSweep = 0;

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = KEY_TTL_MS,
  ) {}

  /**
   * Claims the key for a request, or returns the response to replay. Throws the 400 (other
   * parameters) or 409 (same key still in flight) error.
   */
  begin(scope: string, key: string, fingerprint: string): Begin {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw invalidRequest(`Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters long.`);
    }
    const now = this.now();
    this.sweep(now);
    const slot = `${scope}\u0000${key}`;
    const entry = this.entries.get(slot);
    if (entry && entry.createdAt + this.ttlMs > now) {
      if (entry.fingerprint !== fingerprint) throw idempotencyMismatch(key);
      if (entry.saved === null) throw idempotencyInUse();
      return { kind: 'replay', saved: entry.saved };
    }
    if (entry) this.entries.delete(slot);
    this.entries.set(slot, { fingerprint, createdAt: now, saved: null });
    return { kind: 'new', slot };
  }

  /** Saves the response of an executed request. */
  save(slot: string, saved: SavedResponse): void {
    const entry = this.entries.get(slot);
    if (entry) entry.saved = saved;
  }

  /** Frees a key whose request failed before executing, so a retry runs afresh. */
  release(slot: string): void {
    const entry = this.entries.get(slot);
    if (entry && entry.saved === null) this.entries.delete(slot);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops expired keys. Entries are in creation order, so this stops at the first live one. */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [slot, entry] of this.entries) {
      if (entry.createdAt + this.ttlMs > now) break;
      this.entries.delete(slot);
    }
  }
}
