import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { createTestToken, get, LogTap, rejection, Stripe, sdk, start } from './helpers.js';

let gw: Gateway;
let stripe: Stripe;
const tap = new LogTap();
const NO_FAULTS = { latencyMs: 0, jitterMs: 0, error500: 0, error429: 0, hang: 0, reset: 0, lostResponse: 0 };

beforeAll(async () => {
  gw = await start({ log: tap.log });
  stripe = sdk(gw);
});
afterAll(() => gw.close());
beforeEach(() => {
  gw.reset();
  gw.setFaults(NO_FAULTS);
  tap.clear();
});

const create = (client = stripe, key?: string) =>
  client.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa', metadata: { sale_guid: 's' } }, key ? { idempotencyKey: key } : {});

describe('500s', () => {
  it('raise StripeAPIError and make nothing', async () => {
    gw.setFaults({ error500: 1 });
    const err = await rejection(create());
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err.statusCode).toBe(500);
    expect(err.rawType).toBe('api_error');
    expect(gw.ledger()).toHaveLength(0);
  });

  it('are not saved: the SDK retry with the same key executes afresh', async () => {
    gw.setFaults({ error500: 1 });
    // The first 500 turns the fault off; the SDK waits ≥ 0.5 s before retrying, so the retry is clean.
    tap.onLine((line) => {
      if (line.includes('fault:error500')) gw.setFaults({ error500: 0 });
    });
    const ch = await create(sdk(gw, { maxNetworkRetries: 1 }));
    expect(ch.status).toBe('succeeded');
    expect(tap.count(/POST \/v1\/charges 500/)).toBe(1);
    expect(tap.count(/POST \/v1\/charges 200/)).toBe(1);
    expect(gw.ledger()).toHaveLength(1);
  });
});

describe('429s', () => {
  it('raise StripeRateLimitError; the SDK does not retry them', async () => {
    gw.setFaults({ error429: 1 });
    const err = await rejection(create(sdk(gw, { maxNetworkRetries: 1 })));
    expect(err).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(err.statusCode).toBe(429);
    expect(tap.count(/POST \/v1\/charges 429/)).toBe(1);
    expect(gw.ledger()).toHaveLength(0);
  });
});

describe('hangs', () => {
  it('hold the request until the client times out: StripeConnectionError', async () => {
    gw.setFaults({ hang: 1 });
    const err = await rejection(create(sdk(gw, { timeout: 300 })));
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(err.message).toMatch(/timeout/);
    expect(tap.count(/fault:hang/)).toBe(1);
    expect(gw.ledger()).toHaveLength(0);
  });

  it('never apply to tokens, so tokenizing always works', async () => {
    gw.setFaults({ hang: 1 });
    expect(await createTestToken(gw.url)).toMatch(/^tok_/);
  });

  it('are released by close()', async () => {
    const own = new LogTap();
    const g = await start({ log: own.log, faults: { hang: 1 } });
    const outcome = new Promise<string>((resolve) => {
      const req = request({ host: g.host, port: g.port, method: 'POST', path: '/v1/charges', headers: { Authorization: 'Bearer sk_test_1' } });
      req.on('response', () => resolve('answered'));
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      req.end('amount=1000&currency=usd&source=tok_visa');
    });
    await own.waitFor((l) => l.includes('fault:hang'));
    await g.close();
    expect(await outcome).toBe('ECONNRESET');
  });
});

describe('resets', () => {
  it('raise StripeConnectionError; the SDK retries a closed connection once even with maxNetworkRetries 0', async () => {
    gw.setFaults({ reset: 1 });
    const err = await rejection(create());
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(tap.count(/fault:reset/)).toBe(2);
    expect(gw.ledger()).toHaveLength(0);
  });
});

describe('lost responses', () => {
  it('the charge is made, the reply never arrives: StripeConnectionError, and the SDK’s retry is a replay', async () => {
    gw.setFaults({ lostResponse: 1 });
    const err = await rejection(create());
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    // Attempt 1 executed the charge; the automatic retry (same auto key) was a replay, also lost.
    expect(tap.count(/fault:lost-response \(executed 200\)/)).toBe(1);
    expect(tap.count(/fault:lost-response \(replayed\)/)).toBe(1);
    const ledger = gw.ledger();
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ status: 'succeeded', idempotencyKey: expect.stringMatching(/^stripe-node-retry-/) });
  });

  it('a client that retries with its idempotency key gets the original charge back', async () => {
    gw.setFaults({ lostResponse: 1 });
    tap.onLine((line) => {
      if (line.includes('fault:lost-response')) gw.setFaults({ lostResponse: 0 });
    });
    const ch = await create(stripe, 'sale-42');
    expect(ch.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(gw.ledger()).toEqual([expect.objectContaining({ id: ch.id, idempotencyKey: 'sale-42', status: 'succeeded' })]);
  });

  it('a careless client that retries without a key charges twice', async () => {
    gw.setFaults({ lostResponse: 1 });
    const raw = () =>
      new Promise<number | string>((resolve) => {
        const req = request({
          host: gw.host,
          port: gw.port,
          method: 'POST',
          path: '/v1/charges',
          agent: false,
          headers: { Authorization: 'Bearer sk_test_1', 'Content-Type': 'application/x-www-form-urlencoded' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        req.end('amount=1000&currency=usd&source=tok_visa');
      });
    expect(await raw()).toBe('ECONNRESET');
    gw.setFaults({ lostResponse: 0 });
    expect(await raw()).toBe(200);
    expect(gw.ledger().filter((e) => e.status === 'succeeded')).toHaveLength(2);
  });

  it('also hit refunds: the refund is recorded', async () => {
    const ch = await create();
    gw.setFaults({ lostResponse: 1 });
    const err = await rejection(stripe.refunds.create({ charge: ch.id, amount: 100 }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(gw.ledger()[0].amountRefunded).toBe(100);
  });
});

describe('latency and the seeded random source', () => {
  it('delays every /v1 route by latency + jitter', async () => {
    gw.setFaults({ latencyMs: 400, jitterMs: 30 });
    const t0 = performance.now();
    await stripe.charges.list({ limit: 1 });
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(399);
    expect(elapsed).toBeLessThan(2000);
    // Control routes are never delayed (the margin is wide: a loaded 2-core machine took 107 ms here once).
    const t1 = performance.now();
    await fetch(`${gw.url}/_control/ledger`);
    expect(performance.now() - t1).toBeLessThan(300);
  });

  it('reproduces the same faults for the same seed', async () => {
    const run = async () => {
      const outcomes: string[] = [];
      for (let i = 0; i < 24; i++) {
        outcomes.push(await create().then(
          () => 'ok',
          (e) => String(e.statusCode),
        ));
      }
      return outcomes.join(',');
    };
    gw.setFaults({ error500: 0.3, error429: 0.2, seed: 42 });
    const first = await run();
    gw.setFaults({ seed: 42 });
    const second = await run();
    expect(second).toBe(first);
    expect(first).toMatch(/ok/);
    expect(first).toMatch(/500/);
    expect(first).toMatch(/429/);
    gw.setFaults({ seed: 43 });
    expect(await run()).not.toBe(first);
  });

  it('reset() restarts the random source from the seed', async () => {
    gw.setFaults({ error500: 0.5, seed: 7 });
    await create().catch(() => undefined);
    gw.reset();
    const b: string[] = [];
    for (let i = 0; i < 6; i++) b.push(await create().then(() => 'ok', () => 'err'));
    gw.reset();
    const c: string[] = [];
    for (let i = 0; i < 6; i++) c.push(await create().then(() => 'ok', () => 'err'));
    expect(c).toEqual(b);
    expect(new Set(b).size).toBe(2);
  });
});

describe('control endpoints', () => {
  it('GET/POST /_control/faults read and change faults; bad values are 400', async () => {
    const set = await fetch(`${gw.url}/_control/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ lostResponse: 0.25, latencyMs: 5 }) });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ lostResponse: 0.25, latencyMs: 5, error500: 0 });
    expect(gw.faults()).toMatchObject({ lostResponse: 0.25, latencyMs: 5 });
    expect((await get(gw, '/_control/faults')).json.lostResponse).toBe(0.25);
    for (const bad of ['{"error500":2}', '{"nope":1}', 'not json', '{"latencyMs":-1}']) {
      const res = await fetch(`${gw.url}/_control/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: bad });
      expect(res.status).toBe(400);
      expect((await res.json()).error.type).toBe('invalid_request_error');
    }
    expect(gw.faults().lostResponse).toBe(0.25);
  });

  it('GET /_control/ledger lists charges; POST /_control/reset clears them, and faults only when asked', async () => {
    gw.setFaults({ latencyMs: 1 });
    await create(stripe, 'L1');
    await rejection(stripe.charges.create({ amount: 500, currency: 'usd', source: 'tok_chargeDeclined' }));
    const ledger = (await get(gw, '/_control/ledger')).json;
    expect(ledger.charges).toEqual([
      expect.objectContaining({ status: 'succeeded', amount: 1000, idempotencyKey: 'L1', metadata: { sale_guid: 's' }, amountRefunded: 0, failureCode: null }),
      expect.objectContaining({ status: 'failed', amount: 500, failureCode: 'card_declined' }),
    ]);
    await fetch(`${gw.url}/_control/reset`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    expect(gw.ledger()).toHaveLength(0);
    expect(gw.faults().latencyMs).toBe(1);
    const res = await fetch(`${gw.url}/_control/reset`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"faults":true}' });
    expect((await res.json()).faults.latencyMs).toBe(0);
  });

  it('refuses POSTs that are not application/json, and requests from another origin', async () => {
    gw.setFaults({ latencyMs: 3 });
    // What a page on another site can send without a preflight: text/plain, a form, or nothing.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const res = await fetch(`${gw.url}/_control/faults`, {
        method: 'POST',
        headers: type ? { 'Content-Type': type } : {},
        body: type ? '{"latencyMs":0}' : undefined,
      });
      expect(res.status).toBe(415);
      expect((await res.json()).error.message).toMatch(/application\/json/);
    }
    for (const [path, method] of [['/_control/reset', 'POST'], ['/_control/faults', 'POST'], ['/_control/ledger', 'GET']] as const) {
      const res = await fetch(`${gw.url}${path}`, {
        method,
        headers: { Origin: 'http://evil.example', ...(method === 'POST' ? { 'Content-Type': 'application/json' } : {}) },
        body: method === 'POST' ? '{"latencyMs":0,"faults":true}' : undefined,
      });
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(gw.faults().latencyMs).toBe(3);
    // The gateway's own origin (its pages) and clients that send no Origin are served.
    for (const origin of [gw.url, `http://localhost:${gw.port}`]) {
      const res = await fetch(`${gw.url}/_control/faults`, { method: 'POST', headers: { Origin: origin, 'Content-Type': 'application/json; charset=utf-8' }, body: '{"latencyMs":4}' });
      expect(res.status).toBe(200);
    }
    expect(gw.faults().latencyMs).toBe(4);
  });

  it('control routes are never faulted and need no key', async () => {
    gw.setFaults({ hang: 1 });
    expect((await fetch(`${gw.url}/_control/health`)).status).toBe(200);
  });
});
