/**
 * Guards for the gateway's own unauthenticated routes (/_control and the 3-D Secure page's
 * buttons): a web page the developer happens to visit must not be able to change faults, wipe the
 * ledger or complete a challenge. Browsers send `Origin` on every cross-origin request and on
 * same-origin POSTs, so a request whose Origin is present and not the gateway's own is refused;
 * and a JSON content type cannot be sent cross-origin without a CORS preflight (which the
 * gateway never grants on these routes), so control POSTs must declare `application/json`.
 */
import type { IncomingMessage } from 'node:http';

/** The origins the gateway answers on: its bound host, and the loopback names, at its port. */
export function ownOrigins(host: string, port: number): Set<string> {
  const hosts = new Set([host.includes(':') ? `[${host}]` : host, '127.0.0.1', 'localhost', '[::1]']);
  return new Set([...hosts].map((h) => `http://${h}:${port}`));
}

/** null when the request may proceed, or the reason it is refused. */
export function refuseForeignOrigin(req: IncomingMessage, own: ReadonlySet<string>): string | null {
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  if (own.has(origin)) return null;
  return `Requests from origin ${origin} are refused: only the gateway's own pages (${[...own].join(', ')}) or clients that send no Origin may use this route.`;
}

export function isJson(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return type !== undefined && /^application\/json\s*(;|$)/i.test(type);
}
