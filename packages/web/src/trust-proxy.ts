/**
 * Which proxies to believe X-Forwarded-For from, as the shop's TRUST_PROXY and the console's
 * ERRAND_TRUST_PROXY spell it, and its translation to Fastify's `trustProxy` option.
 */
import { isIP } from 'node:net';

/**
 * false (believe no X-Forwarded-* header), a hop count (the client is the address that many
 * proxies back from the socket: 1 = the address your one proxy appended), a list of proxy
 * addresses or CIDRs (and proxy-addr's names loopback, linklocal, uniquelocal), or true
 * (believe every hop: the client's own X-Forwarded-For decides its address; only when the
 * proxy overwrites the header).
 */
export type TrustProxy = boolean | number | string[];

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function proxyAddress(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return isIP(prefix) === family; // a netmask
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** `raw` (unset = false) as a TrustProxy; an Error naming `variable` and the bad entry otherwise. */
export function parseTrustProxy(raw: string | undefined, variable: string): TrustProxy {
  if (raw === undefined || raw.trim() === '') return false;
  const value = raw.trim();
  const lower = value.toLowerCase();
  if (['true', 'yes', 'on'].includes(lower)) return true;
  if (['false', 'no', 'off', '0'].includes(lower)) return false;
  if (/^\d{1,3}$/.test(value)) return Number(value);
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.find((e) => !proxyAddress(e));
  if (list.length === 0 || bad !== undefined) {
    throw new Error(`${variable} must be true, false, a hop count (1 = one proxy in front) or a comma-separated list of proxy addresses or CIDRs (10.0.0.0/8,127.0.0.1), got ${JSON.stringify(bad ?? raw)}`);
  }
  return list;
}

/**
 * A TrustProxy as Fastify's trustProxy. Fastify 5.12 refuses a bare hop count (it trusts nothing
 * then), so a count becomes the function it used to be: the socket's peer and the next n - 1
 * X-Forwarded-For entries are proxies, the entry before them is the client. Only safe when the
 * app cannot be reached except through those proxies; a list of their addresses is safer still.
 */
export function fastifyTrustProxy(tp: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof tp === 'number') return tp > 0 ? (_address: string, hop: number) => hop < tp : false;
  return tp;
}
