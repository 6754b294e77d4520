/**
 * The console's live sessions in the shop's database (the console's SessionStore), so a
 * sign-out in one web process ends the session in all of them. Ids are kept as their SHA-256.
 */
import { createHash } from 'node:crypto';
import type { SessionStore } from '@errand/console';
import type { ShopStore } from '../db/types.js';

const hash = (sid: string): string => createHash('sha256').update(sid).digest('base64url');

export function consoleSessionStore(store: ShopStore): SessionStore {
  return {
    add: (sid, expiresAt) => store.addConsoleSession(hash(sid), expiresAt),
    active: (sid) => store.consoleSessionActive(hash(sid)),
    revoke: (sid) => store.revokeConsoleSession(hash(sid)),
  };
}
