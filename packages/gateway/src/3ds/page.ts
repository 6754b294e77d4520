/**
 * The gateway's 3-D Secure challenge page, GET /3ds/:challenge, with two buttons, **Complete
 * authentication** and **Fail authentication**, each a form POST to /3ds/:challenge/complete|fail.
 * After the answer: in the redirect flow, a 303 to the return_url (with payment_intent,
 * payment_intent_client_secret and redirect_status, as Stripe adds them); in Stripe.js's modal
 * frame, a page that tells the parent window (the stand-in at /v3 listens) it is done.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../api/context.js';
import { refuseForeignOrigin } from '../control/guard.js';
import { answerChallenge } from '../ledger/payment-intent.js';
import type { PaymentIntentRecord } from '../ledger/store.js';
import { returnLocation } from './challenge.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function html(res: ServerResponse, status: number, title: string, body: string): void {
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.25rem}button{font:inherit;padding:.6rem 1rem;margin:.25rem .5rem .25rem 0;border-radius:6px;border:1px solid #888;cursor:pointer}
button[value=complete]{background:#1a7f37;color:#fff;border-color:#1a7f37}.muted{color:#666;font-size:.9rem}</style>
</head><body>${body}</body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(page),
    'Cache-Control': 'no-store',
    // Not no-referrer: with it, browsers send `Origin: null` on the buttons' POSTs, which the origin check refuses.
    'Referrer-Policy': 'same-origin',
  });
  res.end(page);
}

function format(amount: number, currency: string): string {
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount / 10 ** digits);
  } catch {
    return `${amount} ${currency}`;
  }
}

function challengePage(res: ServerResponse, id: string, record: PaymentIntentRecord, svc: Services): void {
  const pi = record.json;
  const pm = pi.payment_method ? svc.store.paymentMethods.get(pi.payment_method) : undefined;
  const card = pm ? `${pm.json.card.display_brand} •••• ${pm.json.card.last4}` : 'your card';
  html(
    res,
    200,
    '3D Secure authentication',
    `<main><h1>3D Secure authentication</h1>
<p>Authenticate the payment of <strong>${escapeHtml(format(pi.amount, pi.currency))}</strong> with ${escapeHtml(card)}.</p>
<p class="muted">Errand test gateway: no bank is involved; choose the outcome.</p>
<form method="post" action="/3ds/${escapeHtml(id)}/complete"><button type="submit" name="outcome" value="complete">Complete authentication</button></form>
<form method="post" action="/3ds/${escapeHtml(id)}/fail"><button type="submit" name="outcome" value="fail">Fail authentication</button></form>
</main>`,
  );
}

function donePage(res: ServerResponse, record: PaymentIntentRecord, outcome: 'complete' | 'fail'): void {
  const message = { type: 'errand-gateway:3ds-done', paymentIntent: record.json.id, outcome };
  // JSON in a script: `<` escaped so no value can close the script element.
  const json = JSON.stringify(message).replaceAll('<', '\\u003c');
  html(
    res,
    200,
    'Authentication finished',
    `<main><h1>${outcome === 'complete' ? 'Authentication complete' : 'Authentication failed'}</h1><p class="muted">You can close this window.</p></main>
<script>if (window.parent !== window) window.parent.postMessage(${json}, '*');</script>`,
  );
}

/** GET /3ds/:id, POST /3ds/:id/complete, POST /3ds/:id/fail. */
export async function handleChallenge(req: IncomingMessage, res: ServerResponse, path: string, svc: Services, own: ReadonlySet<string>): Promise<number> {
  req.resume();
  const m = /^\/3ds\/([A-Za-z0-9_]{1,100})(?:\/(complete|fail))?\/?$/.exec(path);
  const piId = m ? svc.store.challenges.get(m[1]) : undefined;
  const record = piId ? svc.store.paymentIntents.get(piId) : undefined;
  const method = req.method ?? 'GET';
  if (!m || (m[2] ? method !== 'POST' : method !== 'GET' && method !== 'HEAD')) {
    html(res, 404, 'Not found', '<main><h1>Not found</h1></main>');
    return 404;
  }
  if (!record) {
    html(res, 404, 'No pending authentication', '<main><h1>No pending authentication</h1><p>This authentication was already answered, or it never existed.</p></main>');
    return 404;
  }
  if (!m[2]) {
    challengePage(res, m[1], record, svc);
    return 200;
  }
  const foreign = refuseForeignOrigin(req, own);
  if (foreign) {
    html(res, 403, 'Refused', `<main><h1>Refused</h1><p>${escapeHtml(foreign)}</p></main>`);
    return 403;
  }
  const outcome = m[2] as 'complete' | 'fail';
  const returnUrl = record.challenge?.returnUrl ?? null;
  answerChallenge(svc, record, outcome);
  if (returnUrl) {
    res.writeHead(303, { Location: returnLocation(returnUrl, record), 'Content-Length': 0 });
    res.end();
    return 303;
  }
  donePage(res, record, outcome);
  return 200;
}
