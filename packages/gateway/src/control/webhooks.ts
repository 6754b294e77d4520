/** POST /_control/webhooks (the endpoint and its secret) and GET /_control/events (what was sent, and how it went). */
import type { Services } from '../api/context.js';
import { ControlError, type ControlResult } from './result.js';

/** `{"url": "http://…", "secret": "whsec_…"}` sets the endpoint (a secret is made up when omitted); `{"url": null}` removes it. */
export function configureWebhooks(svc: Services, b: Record<string, unknown>): ControlResult {
  for (const key of Object.keys(b)) if (key !== 'url' && key !== 'secret') throw new ControlError(400, `unknown field '${key}' (known: url, secret)`, key);
  if (b.url === null) {
    svc.webhooks.configure(null);
    return { body: { endpoint: null } };
  }
  if (typeof b.url !== 'string') throw new ControlError(400, 'url must be an http(s) URL, or null to stop sending webhooks', 'url');
  if (b.secret !== undefined && (typeof b.secret !== 'string' || b.secret === '')) throw new ControlError(400, 'secret must be a non-empty string', 'secret');
  try {
    return { body: { endpoint: svc.webhooks.configure(b.url, b.secret as string | undefined) } };
  } catch {
    throw new ControlError(400, 'url must be an http(s) URL, or null to stop sending webhooks', 'url');
  }
}

export function listEvents(svc: Services): ControlResult {
  return { body: { endpoint: svc.webhooks.endpoint()?.url ?? null, events: svc.webhooks.events() } };
}
