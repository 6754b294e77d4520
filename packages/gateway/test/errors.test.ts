import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { get, post, rejection, Stripe, sdk, start } from './helpers.js';

let gw: Gateway;

beforeAll(async () => {
  gw = await start();
});
afterAll(() => gw.close());
beforeEach(() => gw.reset());

describe('authentication', () => {
  it('401s a missing key with Stripe’s error shape', async () => {
    const res = await fetch(`${gw.url}/v1/charges`);
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/did not provide an API key/);
  });

  it('raises StripeAuthenticationError for a live or malformed key', async () => {
    for (const key of ['sk_live_abc', 'nope']) {
      const err = await rejection(sdk(gw, {}, key).charges.list());
      expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(err.statusCode).toBe(401);
      expect(err.message).not.toContain(key === 'nope' ? 'nope' : 'sk_live_abc');
    }
  });

  it('accepts any sk_test_ key, also with Basic auth', async () => {
    expect((await get(gw, '/v1/charges', { Authorization: 'Bearer sk_test_anything' })).status).toBe(200);
    const basic = `Basic ${Buffer.from('sk_test_x:').toString('base64')}`;
    expect((await get(gw, '/v1/charges', { Authorization: basic })).status).toBe(200);
  });

  it('lets a publishable key create tokens but nothing else', async () => {
    const pk = sdk(gw, {}, 'pk_test_abc');
    const token = await pk.tokens.create({ card: { number: '4242424242424242', exp_month: '1', exp_year: '2040' } } as never);
    expect(token.id).toMatch(/^tok_/);
    const err = await rejection(pk.charges.create({ amount: 100, currency: 'usd', source: token.id }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err.message).toMatch(/publishable/);
  });

  it('takes the publishable key from the body on /v1/tokens, as Stripe.js sends it', async () => {
    const res = await fetch(`${gw.url}/v1/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'key=pk_test_x&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2040',
    });
    expect(res.status).toBe(200);
  });
});

describe('bad requests are Stripe-shaped 4xx naming the parameter', () => {
  const base = 'currency=usd&source=tok_visa';
  it.each([
    ['amount=-100', 'amount', 'parameter_invalid_integer'],
    ['amount=12.5', 'amount', 'parameter_invalid_integer'],
    ['amount=abc', 'amount', 'parameter_invalid_integer'],
    ['amount=0', 'amount', 'parameter_invalid_integer'],
    ['amount=', 'amount', 'parameter_missing'],
    ['amount=10', 'amount', 'amount_too_small'],
    ['amount=100000000', 'amount', 'amount_too_large'],
    ['amount[x]=1', 'amount', 'parameter_invalid_integer'],
  ])('%s', async (amount, param, code) => {
    const res = await post(gw, '/v1/charges', `${amount}&${base}`);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', param, code });
  });

  it.each([
    ['amount=500&currency=xyz&source=tok_visa', 'currency'],
    ['amount=500&source=tok_visa', 'currency'],
    ['amount=500&currency=usd', 'source'],
    ['amount=500&currency=usd&source[number]=4242', 'source'],
    ['amount=500&currency=usd&source=tok_visa&receipt_email=nope', 'receipt_email'],
    ['amount=500&currency=usd&source=tok_visa&metadata=flat', 'metadata'],
    ['amount=500&currency=usd&source=tok_visa&metadata[k][deep]=1', 'metadata[k]'],
    ['amount=500&currency=usd&source=tok_visa&bogus=1', 'bogus'],
    ['amount=500&currency=usd&source=tok_visa&capture=false', 'capture'],
    ['amount=500&currency=usd&source=tok_visa&metadata[a=1', 'metadata[a'],
    ['amount=500&currency=usd&source=tok_visa&amount[x]=1', 'amount'],
    ['amount=%zz&currency=usd', 'amount'],
  ])('%s → param %s', async (body, param) => {
    const res = await post(gw, '/v1/charges', body);
    expect(res.status).toBe(400);
    expect(res.json.error.type).toBe('invalid_request_error');
    expect(res.json.error.param).toBe(param);
    expect(gw.ledger()).toHaveLength(0);
  });

  it('raises StripeInvalidRequestError through the SDK', async () => {
    const stripe = sdk(gw);
    const err = await rejection(stripe.charges.create({ amount: -5, currency: 'usd', source: 'tok_visa' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.param).toBe('amount');
  });

  it('rejects a JSON body', async () => {
    const res = await post(gw, '/v1/charges', '{"amount":500}', { 'Content-Type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/x-www-form-urlencoded/);
  });

  it('413s a body over 64 KiB', async () => {
    const res = await post(gw, '/v1/charges', `amount=500&description=${'x'.repeat(70_000)}`);
    expect(res.status).toBe(413);
    expect(res.json.error.type).toBe('invalid_request_error');
  });

  it('404s unknown routes and methods with the Unrecognized request URL message', async () => {
    const res = await get(gw, '/v1/foo');
    expect(res.status).toBe(404);
    expect(res.json.error).toEqual({
      type: 'invalid_request_error',
      message: expect.stringContaining('Unrecognized request URL (GET: /v1/foo)'),
    });
    const del = await fetch(`${gw.url}/v1/charges`, { method: 'DELETE', headers: { Authorization: 'Bearer sk_test_1' } });
    expect(del.status).toBe(404);
    expect((await del.json()).error.message).toContain('(DELETE: /v1/charges)');
    expect((await fetch(`${gw.url}/nowhere`)).status).toBe(404);
  });
});

describe('never a crash', () => {
  it('answers a garbage request line with 400 and keeps serving', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(gw.port, gw.host, () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      socket.on('data', (d) => {
        data += d;
      });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1.1 400/);
    expect((await get(gw, '/v1/charges')).status).toBe(200);
  });

  it('survives a client that disconnects mid-body', async () => {
    await new Promise<void>((resolve) => {
      const req = request({ host: gw.host, port: gw.port, method: 'POST', path: '/v1/charges', headers: { 'Content-Length': '1000' } });
      req.on('error', () => resolve());
      req.write('amount=5', () => {
        req.destroy();
        resolve();
      });
    });
    expect((await get(gw, '/v1/charges')).status).toBe(200);
  });
});
