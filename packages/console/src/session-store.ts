/**
 * Where the console keeps its live sessions, so signing out ends one for good: the cookie's MAC
 * proves the console issued it, the store proves it has not been signed out since. Every request
 * with a session cookie asks `active`. The host app passes a store over its database (the shop
 * does: apps/shop/src/admin/session-store.ts), which every web process shares; without one the
 * console keeps them in this process's memory (a restart signs everyone out).
 *
 * A password change needs no store: the MAC key is derived from the password, so every cookie
 * issued under the old one fails the check.
 */
export interface SessionStore {
  /** A new session, valid until `expiresAt` (ms since the epoch). */
  add(sid: string, expiresAt: number): Promise<void>;
  /** True while the session was added, has not been revoked and has not expired. */
  active(sid: string, now: number): Promise<boolean>;
  /** Sign-out: the session ends now, in every process. */
  revoke(sid: string): Promise<void>;
}

/** The default: one process's memory, bounded (the oldest sessions go first past `max`). */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, number>();

  constructor(private readonly max = 10_000) {}

  async add(sid: string, expiresAt: number): Promise<void> {
    const now = Date.now();
    for (const [s, exp] of this.sessions) if (exp <= now) this.sessions.delete(s);
    this.sessions.set(sid, expiresAt);
    while (this.sessions.size > this.max) this.sessions.delete(this.sessions.keys().next().value as string);
  }

  async active(sid: string, now: number): Promise<boolean> {
    const exp = this.sessions.get(sid);
    return exp !== undefined && exp > now;
  }

  async revoke(sid: string): Promise<void> {
    this.sessions.delete(sid);
  }
}
