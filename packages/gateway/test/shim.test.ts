/**
 * The /v3 Stripe.js stand-in, run in a VM against a tiny fake DOM (no browser is installed here):
 * it mounts labelled inputs, validates like Stripe.js, and creates tokens on the gateway it came from.
 */
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index.js';
import { Stripe as StripeSdk, sdk, start } from './helpers.js';

class FakeElement {
  children: FakeElement[] = [];
  parentNode: FakeElement | null = null;
  attributes = new Map<string, string>();
  listeners = new Map<string, ((e: unknown) => void)[]>();
  value = '';
  id = '';
  className = '';
  textContent = '';
  htmlFor = '';
  type = '';
  constructor(
    readonly tagName: string,
    private readonly doc: FakeDocument,
  ) {}
  appendChild(child: FakeElement) {
    child.parentNode?.removeChild(child);
    child.parentNode = this;
    this.children.push(child);
    return child;
  }
  removeChild(child: FakeElement) {
    this.children = this.children.filter((c) => c !== child);
    child.parentNode = null;
    return child;
  }
  setAttribute(k: string, v: string) {
    this.attributes.set(k, String(v));
  }
  getAttribute(k: string) {
    return this.attributes.get(k) ?? null;
  }
  addEventListener(type: string, cb: (e: unknown) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), cb]);
  }
  dispatch(type: string) {
    for (const cb of this.listeners.get(type) ?? []) cb({ type, target: this });
  }
  focus() {
    this.doc.activeElement?.dispatch('blur');
    this.doc.activeElement = this;
    this.dispatch('focus');
  }
  blur() {
    if (this.doc.activeElement === this) this.doc.activeElement = null;
    this.dispatch('blur');
  }
  *all(): Generator<FakeElement> {
    for (const c of this.children) {
      yield c;
      yield* c.all();
    }
  }
  /** What a user does: type into the field. */
  type_(text: string) {
    this.focus();
    this.value = text;
    this.dispatch('input');
  }
}

class FakeDocument {
  activeElement: FakeElement | null = null;
  body = new FakeElement('body', this);
  constructor(readonly currentScript: { src: string }) {}
  createElement(tag: string) {
    return new FakeElement(tag, this);
  }
  querySelector(selector: string) {
    for (const el of this.body.all()) if (`#${el.id}` === selector) return el;
    return null;
  }
}

let gw: Gateway;
let script: string;

beforeAll(async () => {
  gw = await start({ corsOrigins: ['http://localhost:3000'] });
  const res = await fetch(`${gw.url}/v3`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
  script = await res.text();
});
afterAll(() => gw.close());

function loadPage() {
  const document = new FakeDocument({ src: `${gw.url}/v3` });
  const window: Record<string, unknown> = { location: { origin: 'http://localhost:3000' }, document };
  runInNewContext(script, { window, document, URL, URLSearchParams, fetch, setTimeout });
  const mountPoint = document.createElement('div');
  mountPoint.id = 'card';
  document.body.appendChild(mountPoint);
  return { window, document, mountPoint, Stripe: window.Stripe as (pk: string) => any };
}

function mountCard() {
  const page = loadPage();
  const stripe = page.Stripe('pk_test_shop');
  const card = stripe.elements().create('card');
  const changes: any[] = [];
  card.on('change', (e: unknown) => changes.push(e));
  card.mount('#card');
  const inputs = [...page.mountPoint.all()].filter((e) => e.tagName === 'input');
  const [number, expiry, cvc] = inputs;
  return { ...page, stripe, card, changes, inputs, number, expiry, cvc };
}

describe('GET /v3', () => {
  it('serves JavaScript with CORS for the shop origin, and answers preflight on /v1/tokens', async () => {
    const js = await fetch(`${gw.url}/v3`, { headers: { Origin: 'http://localhost:3000' } });
    expect(js.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    const pre = await fetch(`${gw.url}/v1/tokens`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
    const other = await fetch(`${gw.url}/v1/tokens`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('Stripe(pk).elements().create("card")', () => {
  it('renders labelled inputs with card autocomplete attributes', () => {
    const { mountPoint, inputs } = mountCard();
    expect(inputs.map((i) => i.getAttribute('autocomplete'))).toEqual(['cc-number', 'cc-exp', 'cc-csc']);
    const labels = [...mountPoint.all()].filter((e) => e.tagName === 'label');
    expect(labels.map((l) => l.textContent)).toEqual(['Card number', 'Expiry (MM / YY)', 'CVC']);
    for (const [i, label] of labels.entries()) expect(label.getAttribute('for')).toBe(inputs[i].id);
  });

  it('formats input, moves focus along, and reports change events', () => {
    const { document, number, expiry, cvc, changes } = mountCard();
    number.type_('4242424242424242');
    expect(number.value).toBe('4242 4242 4242 4242');
    expect(document.activeElement).toBe(expiry);
    expiry.type_('1240');
    expect(expiry.value).toBe('12 / 40');
    expect(document.activeElement).toBe(cvc);
    cvc.type_('123');
    expect(changes.at(-1)).toMatchObject({ elementType: 'card', complete: true, empty: false, brand: 'visa' });
    expect(changes.at(-1).error).toBeUndefined();
  });

  it('reports a wrong number in the change event and marks the field invalid', () => {
    const { number, changes } = mountCard();
    number.type_('4242424242424241');
    expect(changes.at(-1).error).toMatchObject({ type: 'validation_error', code: 'invalid_number' });
    expect(number.getAttribute('aria-invalid')).toBe('true');
  });

  it('refuses a secret key, like Stripe.js', () => {
    const { Stripe } = loadPage();
    expect(() => Stripe('sk_test_123')).toThrow(/secret key/);
  });

  it('destroy() removes the inputs', () => {
    const { card, mountPoint } = mountCard();
    card.destroy();
    expect([...mountPoint.all()]).toHaveLength(0);
  });
});

describe('stripe.createToken(card)', () => {
  it('returns a validation error for incomplete fields without calling the gateway', async () => {
    const { stripe, card, number } = mountCard();
    number.type_('4242');
    const result = await stripe.createToken(card);
    expect(result.token).toBeUndefined();
    expect(result.error).toMatchObject({ type: 'validation_error', code: 'incomplete_number', message: 'Your card number is incomplete.' });
  });

  it('creates a token on the gateway it was loaded from; the token charges', async () => {
    const { stripe, card, number, expiry, cvc } = mountCard();
    number.type_('4000 0000 0000 9995');
    expiry.type_('08 / 39');
    cvc.type_('321');
    const result = await stripe.createToken(card, { name: 'Ada' });
    expect(result.error).toBeUndefined();
    expect(result.token.id).toMatch(/^tok_/);
    expect(result.token.card).toMatchObject({ last4: '9995', brand: 'Visa', exp_month: 8, exp_year: 2039 });
    const err = await sdk(gw)
      .charges.create({ amount: 900, currency: 'usd', source: result.token.id })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StripeSdk.errors.StripeCardError);
    expect((err as { decline_code: string }).decline_code).toBe('insufficient_funds');
  });

  it('passes gateway errors through in Stripe.js’s shape', async () => {
    const { stripe, card, number, expiry, cvc } = mountCard();
    number.type_('4242424242424242');
    expiry.type_('12 / 99'); // in the future for the browser, too far ahead for the gateway
    cvc.type_('123');
    const result = await stripe.createToken(card);
    expect(result.token).toBeUndefined();
    expect(result.error).toMatchObject({ type: 'card_error', code: 'invalid_expiry_year', param: 'exp_year' });
  });

  it('reports api_connection_error when the gateway is unreachable', async () => {
    const gone = await start();
    await gone.close();
    const document = new FakeDocument({ src: `${gone.url}/v3` });
    const window: Record<string, any> = { location: { origin: 'http://localhost:3000' }, document };
    runInNewContext(script, { window, document, URL, URLSearchParams, fetch, setTimeout });
    const mountPoint = document.createElement('div');
    document.body.appendChild(mountPoint);
    const stripe = window.Stripe('pk_test_x');
    const card = stripe.elements().create('card');
    card.mount(mountPoint);
    const [number, expiry, cvc] = [...mountPoint.all()].filter((e) => e.tagName === 'input');
    number.type_('4242424242424242');
    expiry.type_('1240');
    cvc.type_('123');
    const result = await stripe.createToken(card);
    expect(result.error).toMatchObject({ type: 'api_connection_error' });
  });
});
