/**
 * Security headers (helmet) with a CSP that allows our own origin and Stripe.js only: offline,
 * the local gateway's origin (it serves the /v3 shim and takes the token POST); with a real key,
 * js.stripe.com for the script and frames, api.stripe.com for the token call, hooks.stripe.com
 * for 3-D Secure frames. No inline scripts or styles anywhere.
 */
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { STRIPE_JS } from '../config.js';

export function stripeOrigins(stripeJsUrl: string): { script: string[]; connect: string[]; frame: string[] } {
  if (stripeJsUrl === STRIPE_JS) {
    return { script: ['https://js.stripe.com'], connect: ['https://api.stripe.com'], frame: ['https://js.stripe.com', 'https://hooks.stripe.com'] };
  }
  const origin = new URL(stripeJsUrl).origin;
  return { script: [origin], connect: [origin], frame: [origin] };
}

/** The shop's helmet options: one place, for its routes and for the answers Fastify gives itself (framework-errors.ts). */
export function shopHelmetOptions(o: { stripeJsUrl: string; https: boolean }): FastifyHelmetOptions {
  const s = stripeOrigins(o.stripeJsUrl);
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'", ...s.script],
        'connect-src': ["'self'", ...s.connect],
        'frame-src': s.frame,
        'img-src': ["'self'", 'data:'],
        'style-src': ["'self'"],
        'font-src': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'self'"],
        'object-src': ["'none'"],
        // Only over HTTPS: on http://localhost it would send the browser to https://127.0.0.1:12111.
        ...(o.https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    hsts: o.https ? { maxAge: 15552000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
  };
}

export async function registerSecurityHeaders(app: FastifyInstance, o: { stripeJsUrl: string; https: boolean }): Promise<void> {
  await app.register(helmet, shopHelmetOptions(o));
}
