/**
 * The Origin check, a second fence behind the CSRF token: is a state-changing request from
 * another site? Pass the Origin header and the host this server answers as (the Host header,
 * or Fastify's `request.host` where a trusted proxy sets X-Forwarded-Host).
 *
 * - no Origin header (non-browser clients, old browsers): not foreign; the token decides.
 * - `Origin: null` (sandboxed iframes, data: and file: pages, cross-site redirects): foreign.
 *   Our own pages never cause it: they send `Referrer-Policy: same-origin`, not `no-referrer`.
 * - an Origin that does not parse (or several, joined by a proxy): foreign.
 * - otherwise foreign unless its host (name and port) is the server's host. Both are
 *   normalised by the URL parser first (lower case, the scheme's default port dropped), so
 *   `http://Shop.example:80` matches `Host: shop.example`. The scheme is not compared: behind a
 *   TLS-terminating proxy the server cannot tell it.
 */
export function isForeignOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || origin === '') return false;
  if (origin === 'null' || !host) return true;
  try {
    const o = new URL(origin);
    return o.host !== new URL(`${o.protocol}//${host}`).host;
  } catch {
    return true;
  }
}
