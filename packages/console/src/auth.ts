import { createHash, createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '#web';

/**
 * Sign-in and sessions. The session is a cookie `<payload>.<mac>`: payload = base64url JSON
 * `{ sid, exp }`, mac = HMAC-SHA256 under a key derived from the process secret
 * (ERRAND_CONSOLE_SECRET, or random per process) and the password, so changing either signs
 * everyone out. No server-side session store: a forged, altered or expired cookie fails the check
 * and the visitor is sent back to the sign-in page. @fastify/cookie parses and writes the cookie
 * (plugin.ts); the value is signed here, not with the plugin's `secret`, because the key must
 * depend on the password and because a host app may have registered the plugin with its own
 * secret, or none (the shop has).
 */
export const SESSION_COOKIE = 'errand_console';
export const SESSION_TTL_MS = 12 * 3600_000;

export interface Session {
  sid: string;
  exp: number;
}

export class Sessions {
  private readonly key: Buffer;
  private readonly passwordDigest: Buffer;

  constructor(
    password: string,
    secret: string | Buffer,
    readonly ttlMs = SESSION_TTL_MS,
  ) {
    this.key = createHmac('sha256', secret).update(`errand-console-session\0${password}`).digest();
    this.passwordDigest = digest(password);
  }

  /** Constant-time (constantTimeEqual); only the password's digest is kept, never the password. */
  checkPassword(given: unknown): boolean {
    if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
    return constantTimeEqual(digest(given), this.passwordDigest);
  }

  issue(now = Date.now()): { value: string; session: Session } {
    const session = { sid: randomBytes(16).toString('base64url'), exp: now + this.ttlMs };
    const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
    return { value: `${payload}.${this.mac(payload)}`, session };
  }

  verify(value: string | undefined, now = Date.now()): Session | null {
    if (!value || value.length > 512) return null;
    const dot = value.indexOf('.');
    if (dot < 1) return null;
    const payload = value.slice(0, dot);
    // The MAC as issued, character for character: comparing decoded bytes accepted other
    // spellings of it (base64url decoding skips stray characters and ignores the last one's low bits).
    if (!constantTimeEqual(value.slice(dot + 1), this.mac(payload))) return null;
    try {
      const s = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Session;
      if (typeof s.sid !== 'string' || typeof s.exp !== 'number' || s.exp <= now) return null;
      return s;
    } catch {
      return null;
    }
  }

  /** The session's CSRF token: derived, so nothing is stored. */
  csrfToken(session: Session): string {
    return createHmac('sha256', this.key).update(`csrf\0${session.sid}`).digest('base64url');
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * The password: the option, else ERRAND_CONSOLE_PASSWORD. With neither, outside production a
 * random one is generated and `announce`d once; in production (NODE_ENV=production) that is an
 * error: a console nobody configured must not be open.
 */
export function resolvePassword(given: string | undefined, announce: (password: string) => void): string {
  const password = given ?? process.env.ERRAND_CONSOLE_PASSWORD;
  if (password) return password;
  if (process.env.NODE_ENV === 'production') {
    throw new Error('errand console: set ERRAND_CONSOLE_PASSWORD (or the password option); refusing to serve an unprotected console in production');
  }
  const generated = randomBytes(12).toString('base64url');
  announce(generated);
  return generated;
}

export function resolveSecret(): string | Buffer {
  return process.env.ERRAND_CONSOLE_SECRET || randomBytes(32);
}

/**
 * Slows password guessing, per (address, account) — the console has one account, `console`, but
 * the key carries it so a host with several never locks one out by another's failures:
 * - the first `free` wrong passwords cost nothing; after that each try must wait
 *   `baseMs · 2^(failures − free)`, doubling up to `maxMs` (1 s, 2 s, 4 s … 15 min), counted from
 *   the last failure; a key is forgotten `forgetMs` after its last failure;
 * - an address that has signed in before (with this account) is never locked out of a correct
 *   password: while locked, its tries are still checked, and only a wrong one is refused — so ten
 *   wrong passwords from a shared proxy or office address do not lock its regular users out;
 * - `fail` returns the new delay when this failure is the one that starts the lockout, for the log.
 * Both maps are bounded (the oldest entries go first).
 */
export class SignInLimiter {
  private readonly failures = new Map<string, { count: number; last: number }>();
  private readonly trusted = new Map<string, number>();

  constructor(
    private readonly free = 5,
    private readonly baseMs = 1000,
    private readonly maxMs = 15 * 60_000,
    private readonly forgetMs = 24 * 3600_000,
    private readonly max = 10_000,
  ) {}

  /** Seconds to wait before this address may try this account again; 0 when a try is allowed. */
  retryAfter(ip: string, account = 'console', now = Date.now()): number {
    const key = limiterKey(ip, account);
    const f = this.failures.get(key);
    if (!f) return 0;
    if (now - f.last > this.forgetMs) {
      this.failures.delete(key);
      return 0;
    }
    const wait = f.last + this.delayMs(f.count) - now;
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  /** True when this address has signed in to this account before: a correct password always gets in. */
  knows(ip: string, account = 'console', now = Date.now()): boolean {
    const at = this.trusted.get(limiterKey(ip, account));
    return at !== undefined && now - at <= this.forgetMs * 30;
  }

  /** Records a wrong password; returns the delay in ms when it starts a lockout (count = free + 1), else 0. */
  fail(ip: string, account = 'console', now = Date.now()): number {
    const key = limiterKey(ip, account);
    const f = this.failures.get(key);
    const count = f && now - f.last <= this.forgetMs ? f.count + 1 : 1;
    this.failures.delete(key); // re-insert: the map stays ordered by last failure
    this.failures.set(key, { count, last: now });
    bound(this.failures, this.max);
    return count === this.free + 1 ? this.delayMs(count) : 0;
  }

  succeed(ip: string, account = 'console', now = Date.now()): void {
    const key = limiterKey(ip, account);
    this.failures.delete(key);
    this.trusted.delete(key);
    this.trusted.set(key, now);
    bound(this.trusted, this.max);
  }

  /** The wait after `count` failures. */
  delayMs(count: number): number {
    if (count <= this.free) return 0;
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(30, count - this.free - 1));
  }
}

function limiterKey(ip: string, account: string): string {
  return `${account}\0${ip}`;
}

function bound(map: Map<string, unknown>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value as string);
}
