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
 * Slows password guessing: after `max` failures from one address within `windowMs`, sign-in
 * answers 429 until the window has passed. Successful sign-in clears the address.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, { count: number; first: number }>();

  constructor(
    private readonly max = 10,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Seconds to wait, or 0 when a try is allowed. */
  retryAfter(ip: string, now = Date.now()): number {
    const f = this.failures.get(ip);
    if (!f) return 0;
    if (now - f.first > this.windowMs) {
      this.failures.delete(ip);
      return 0;
    }
    return f.count >= this.max ? Math.ceil((f.first + this.windowMs - now) / 1000) : 0;
  }

  fail(ip: string, now = Date.now()): void {
    const f = this.failures.get(ip);
    if (!f || now - f.first > this.windowMs) this.failures.set(ip, { count: 1, first: now });
    else f.count++;
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
  }

  succeed(ip: string): void {
    this.failures.delete(ip);
  }
}
