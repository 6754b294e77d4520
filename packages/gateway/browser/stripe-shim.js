/*
 * Errand gateway's stand-in for Stripe.js v3, served at GET /v3 by the local gateway.
 * It offers the part of Stripe.js the shop uses: Stripe(publishableKey), elements().create('card'),
 * element.mount/on/destroy, stripe.createToken(cardElement) → { token } or { error },
 * stripe.createPaymentMethod({ type: 'card', card, billing_details }) → { paymentMethod } or { error },
 * stripe.confirmCardPayment(clientSecret, data?, { handleActions }) and
 * stripe.handleNextAction({ clientSecret }) → { paymentIntent } or { error }, and
 * stripe.retrievePaymentIntent(clientSecret) → { paymentIntent }.
 * 3-D Secure: `use_stripe_sdk` opens the gateway's challenge page in a modal frame; the page
 * posts a message back when answered. If the page may not frame the gateway (its CSP's frame-src
 * refuses it: a `securitypolicyviolation`), the modal closes and the call answers
 * { error: { type: 'invalid_request_error', code: 'authentication_frame_blocked' } } (no
 * payment_intent: nothing happened to the payment), so the page can take the redirect instead.
 * `redirect_to_url` sends the whole page there. confirmCardPayment(secret, { return_url },
 * { handleActions: false }) asks for that redirect (it does not send use_stripe_sdk).
 * Everything goes to <gateway origin>/v1/…, the origin this script was loaded from.
 * Plain DOM: labelled inputs with autocomplete cc-number, cc-exp, cc-csc.
 */
(() => {
  if (typeof window === 'undefined') return;
  const script = document.currentScript;
  const gatewayOrigin = script?.src ? new URL(script.src).origin : window.location.origin;

  const MESSAGES = {
    incomplete_number: 'Your card number is incomplete.',
    invalid_number: 'Your card number is invalid.',
    incomplete_expiry: "Your card's expiration date is incomplete.",
    invalid_expiry_month: "Your card's expiration date is invalid.",
    invalid_expiry_year_past: "Your card's expiration year is in the past.",
    invalid_expiry_month_past: "Your card's expiration date is in the past.",
    incomplete_cvc: "Your card's security code is incomplete.",
  };

  const digits = (s) => String(s || '').replace(/\D/g, '');

  const luhn = (n) => {
    let sum = 0;
    let dbl = false;
    for (let i = n.length - 1; i >= 0; i--) {
      let d = n.charCodeAt(i) - 48;
      if (dbl && (d *= 2) > 9) d -= 9;
      sum += d;
      dbl = !dbl;
    }
    return sum % 10 === 0;
  };

  const brandOf = (n) => {
    if (/^4/.test(n)) return 'visa';
    if (/^(5[1-5]|2[2-7])/.test(n)) return 'mastercard';
    if (/^3[47]/.test(n)) return 'amex';
    if (/^(6011|65|64[4-9])/.test(n)) return 'discover';
    if (/^3(0[0-5]|[68])/.test(n)) return 'diners';
    if (/^35/.test(n)) return 'jcb';
    if (/^62/.test(n)) return 'unionpay';
    return 'unknown';
  };

  const numberLength = (n) => (brandOf(n) === 'amex' ? 15 : brandOf(n) === 'diners' ? 14 : 16);
  const cvcLength = (n) => (brandOf(n) === 'amex' ? 4 : 3);

  const formatNumber = (n) => (brandOf(n) === 'amex' ? n.replace(/^(\d{4})(\d{1,6})?(\d{1,5})?.*/, (_, a, b, c) => [a, b, c].filter(Boolean).join(' ')) : n.replace(/(\d{4})(?=\d)/g, '$1 '));

  const formatExpiry = (d) => {
    if (d.length === 1 && d > '1') d = `0${d}`;
    return d.length > 2 ? `${d.slice(0, 2)} / ${d.slice(2, 4)}` : d;
  };

  /** Validation of one field: null when fine, or an error code. `final` reports incomplete input too. */
  const checkNumber = (n, final) => {
    if (n.length < numberLength(n)) return final ? 'incomplete_number' : null;
    return luhn(n) ? null : 'invalid_number';
  };
  const checkExpiry = (d, final) => {
    if (d.length < 4) return final ? 'incomplete_expiry' : null;
    const month = Number(d.slice(0, 2));
    const year = 2000 + Number(d.slice(2, 4));
    if (month < 1 || month > 12) return 'invalid_expiry_month';
    const now = new Date();
    if (year < now.getFullYear()) return 'invalid_expiry_year_past';
    if (year === now.getFullYear() && month < now.getMonth() + 1) return 'invalid_expiry_month_past';
    return null;
  };
  const checkCvc = (c, n, final) => (c.length < cvcLength(n) ? (final ? 'incomplete_cvc' : null) : null);

  const validationError = (code) => (code ? { type: 'validation_error', code, message: MESSAGES[code] } : undefined);

  let counter = 0;

  class CardElement {
    constructor(options) {
      this.options = options || {};
      this.listeners = {};
      this.root = null;
      this.fields = null;
      this.left = { number: false, expiry: false, cvc: false };
      this.destroyed = false;
    }

    values() {
      const f = this.fields;
      return f ? { number: digits(f.number.value), expiry: digits(f.expiry.value), cvc: digits(f.cvc.value) } : { number: '', expiry: '', cvc: '' };
    }

    /** The first error, in field order; `all` treats every field as finished (createToken). */
    firstError(all) {
      const v = this.values();
      return (
        checkNumber(v.number, all || this.left.number) ||
        checkExpiry(v.expiry, all || this.left.expiry) ||
        checkCvc(v.cvc, v.number, all || this.left.cvc)
      );
    }

    emit(type, event) {
      for (const cb of (this.listeners[type] || []).slice()) cb(event);
    }

    changed() {
      const v = this.values();
      const error = this.firstError(false);
      const complete = !this.firstError(true);
      const f = this.fields;
      f.number.setAttribute('aria-invalid', String(error === 'invalid_number' || error === 'incomplete_number'));
      f.expiry.setAttribute('aria-invalid', String(/expiry/.test(error || '')));
      f.cvc.setAttribute('aria-invalid', String(error === 'incomplete_cvc'));
      this.emit('change', {
        elementType: 'card',
        empty: !v.number && !v.expiry && !v.cvc,
        complete,
        brand: brandOf(v.number),
        error: validationError(error),
        value: { postalCode: '' },
      });
    }

    field(id, labelText, attrs) {
      const wrap = document.createElement('div');
      wrap.className = 'ErrandCardElement-field';
      const label = document.createElement('label');
      label.htmlFor = id;
      label.setAttribute('for', id);
      label.textContent = labelText;
      const input = document.createElement('input');
      input.id = id;
      input.type = 'text';
      input.setAttribute('inputmode', 'numeric');
      input.setAttribute('spellcheck', 'false');
      input.setAttribute('aria-invalid', 'false');
      for (const [k, v] of Object.entries(attrs)) input.setAttribute(k, v);
      wrap.appendChild(label);
      wrap.appendChild(input);
      this.root.appendChild(wrap);
      return input;
    }

    mount(target) {
      if (this.destroyed) throw new Error('This Element has already been destroyed. Please create a new one.');
      const host = typeof target === 'string' ? document.querySelector(target) : target;
      if (!host) throw new Error(`The selector you specified (${target}) applies to no DOM elements that are currently on the page.`);
      if (!this.root) {
        const n = ++counter;
        this.root = document.createElement('div');
        this.root.className = 'ErrandCardElement';
        this.root.setAttribute('role', 'group');
        this.root.setAttribute('aria-label', 'Card details');
        this.fields = {
          number: this.field(`errand-card-number-${n}`, 'Card number', { name: 'cardnumber', autocomplete: 'cc-number', placeholder: '1234 1234 1234 1234', maxlength: '23' }),
          expiry: this.field(`errand-card-expiry-${n}`, 'Expiry (MM / YY)', { name: 'exp-date', autocomplete: 'cc-exp', placeholder: 'MM / YY', maxlength: '7' }),
          cvc: this.field(`errand-card-cvc-${n}`, 'CVC', { name: 'cvc', autocomplete: 'cc-csc', placeholder: 'CVC', maxlength: '4' }),
        };
        this.wire();
      }
      host.appendChild(this.root);
      setTimeout(() => this.emit('ready', { elementType: 'card' }), 0);
      return this;
    }

    wire() {
      const f = this.fields;
      const order = ['number', 'expiry', 'cvc'];
      for (const name of order) {
        const input = f[name];
        input.addEventListener('input', () => {
          const d = digits(input.value);
          if (name === 'number') {
            input.value = formatNumber(d.slice(0, 19));
            if (d.length === numberLength(d) && luhn(d)) f.expiry.focus();
          } else if (name === 'expiry') {
            input.value = formatExpiry(d.slice(0, 4));
            if (d.length === 4 && !checkExpiry(d, true)) f.cvc.focus();
          } else {
            input.value = d.slice(0, 4);
          }
          this.changed();
        });
        input.addEventListener('focus', () => this.emit('focus', { elementType: 'card' }));
        input.addEventListener('blur', () => {
          if (digits(input.value)) this.left[name] = true;
          this.changed();
          this.emit('blur', { elementType: 'card' });
        });
      }
    }

    on(type, cb) {
      (this.listeners[type] = this.listeners[type] || []).push(cb);
      return this;
    }

    off(type, cb) {
      this.listeners[type] = (this.listeners[type] || []).filter((x) => x !== cb);
      return this;
    }

    unmount() {
      this.root?.parentNode?.removeChild(this.root);
      return this;
    }

    destroy() {
      this.unmount();
      this.destroyed = true;
      this.listeners = {};
    }

    clear() {
      if (!this.fields) return;
      for (const input of Object.values(this.fields)) input.value = '';
      this.left = { number: false, expiry: false, cvc: false };
      this.changed();
    }

    focus() {
      this.fields?.number.focus();
    }

    blur() {
      this.fields?.number.blur();
    }

    update(options) {
      Object.assign(this.options, options || {});
    }
  }

  function Stripe(publishableKey) {
    if (!(this instanceof Stripe)) return new Stripe(publishableKey);
    if (typeof publishableKey !== 'string' || publishableKey === '') throw new Error('Invalid value for Stripe(): apiKey should be a string.');
    if (/^sk_/.test(publishableKey)) throw new Error('You should not use your secret key with Stripe.js. Please pass a publishable key instead.');
    this._key = publishableKey;
    this._elements = [];
  }

  Stripe.prototype.elements = function elements() {
    const created = {};
    return {
      create(type, options) {
        if (type !== 'card') throw new Error(`This Stripe.js stand-in only supports the 'card' element, not '${type}'.`);
        if (created.card && !created.card.destroyed) throw new Error('Can only create one Element of type card.');
        created.card = new CardElement(options);
        return created.card;
      },
      getElement(type) {
        return created[type] && !created[type].destroyed ? created[type] : null;
      },
    };
  };

  Stripe.prototype.createToken = async function createToken(element, data) {
    if (!(element instanceof CardElement)) {
      throw new Error('You must provide a Stripe Element or a valid token type to create a Token.');
    }
    const code = element.firstError(true);
    if (code) return { error: validationError(code) };
    const v = element.values();
    const body = new URLSearchParams();
    body.set('card[number]', v.number);
    body.set('card[exp_month]', v.expiry.slice(0, 2));
    body.set('card[exp_year]', `20${v.expiry.slice(2, 4)}`);
    body.set('card[cvc]', v.cvc);
    if (data?.name) body.set('card[name]', String(data.name));
    body.set('key', this._key);
    body.set('payment_user_agent', 'errand-gateway-shim/v3');
    let response;
    let json;
    try {
      response = await fetch(`${gatewayOrigin}/v1/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      json = await response.json();
    } catch (e) {
      return { error: { type: 'api_connection_error', message: `Could not reach the payment gateway: ${e?.message || e}` } };
    }
    if (json?.error) {
      const { type, code: errorCode, decline_code, message, param } = json.error;
      return { error: { type, code: errorCode, decline_code, message, param } };
    }
    return { token: json };
  };

  /** POSTs a form to the gateway with the publishable key; resolves to the JSON (or a connection error). */
  async function call(stripe, method, path, params) {
    const body = new URLSearchParams(params || {});
    body.set('key', stripe._key);
    try {
      const url = method === 'GET' ? `${gatewayOrigin}${path}?${body}` : `${gatewayOrigin}${path}`;
      const response = await fetch(url, method === 'GET' ? {} : { method, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: body.toString() });
      return await response.json();
    } catch (e) {
      return { error: { type: 'api_connection_error', message: `Could not reach the payment gateway: ${e?.message || e}` } };
    }
  }

  /** Stripe.js's error shape: the gateway's error fields, without the request-only ones. */
  const jsError = (error) => {
    const out = { type: error.type, code: error.code, decline_code: error.decline_code, message: error.message, param: error.param, doc_url: error.doc_url };
    if (error.payment_intent) out.payment_intent = error.payment_intent;
    if (error.payment_method) out.payment_method = error.payment_method;
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return out;
  };

  /** payment_method_data[…] fields for a card Element (validated like createToken). */
  function cardParams(element, prefix, billing) {
    const code = element.firstError(true);
    if (code) return { error: validationError(code) };
    const v = element.values();
    const params = {
      [`${prefix}[type]`]: 'card',
      [`${prefix}[card][number]`]: v.number,
      [`${prefix}[card][exp_month]`]: v.expiry.slice(0, 2),
      [`${prefix}[card][exp_year]`]: `20${v.expiry.slice(2, 4)}`,
      [`${prefix}[card][cvc]`]: v.cvc,
    };
    for (const [k, val] of Object.entries(billing || {})) {
      if (k === 'address' && val && typeof val === 'object') {
        for (const [ak, av] of Object.entries(val)) if (av != null) params[`${prefix}[billing_details][address][${ak}]`] = String(av);
      } else if (val != null) params[`${prefix}[billing_details][${k}]`] = String(val);
    }
    return { params };
  }

  const intentId = (clientSecret) => {
    const i = typeof clientSecret === 'string' ? clientSecret.indexOf('_secret_') : -1;
    if (i <= 0) throw new Error('Invalid value for clientSecret: should be a PaymentIntent client secret (pi_…_secret_…).');
    return clientSecret.slice(0, i);
  };

  Stripe.prototype.createPaymentMethod = async function createPaymentMethod(data, element, extra) {
    // Both createPaymentMethod({ type, card, billing_details }) and the older ('card', element, data).
    const opts = typeof data === 'string' ? { type: data, card: element, billing_details: extra?.billing_details } : data || {};
    if (opts.type !== 'card') throw new Error(`This Stripe.js stand-in only creates 'card' payment methods, not '${opts.type}'.`);
    if (!(opts.card instanceof CardElement)) throw new Error('You must provide a card Element to createPaymentMethod.');
    const built = cardParams(opts.card, 'X', opts.billing_details);
    if (built.error) return { error: built.error };
    const params = {};
    for (const [k, v] of Object.entries(built.params)) params[k.replace(/^X\[([a-z_]+)\]/, '$1')] = v;
    params.payment_user_agent = 'errand-gateway-shim/v3';
    const json = await call(this, 'POST', '/v1/payment_methods', params);
    return json.error ? { error: jsError(json.error) } : { paymentMethod: json };
  };

  Stripe.prototype.retrievePaymentIntent = async function retrievePaymentIntent(clientSecret) {
    const json = await call(this, 'GET', `/v1/payment_intents/${intentId(clientSecret)}`, { client_secret: clientSecret });
    return json.error ? { error: jsError(json.error) } : { paymentIntent: json };
  };

  /** Sets inline styles one property at a time (CSSOM), which a strict style-src allows. */
  const setStyles = (el, styles) => {
    for (const [k, v] of Object.entries(styles)) el.style[k] = v;
  };

  /** Shows the challenge page in a modal frame; resolves with its answer, or 'blocked' when the page may not frame it. */
  function challengeModal(url, paymentIntentId) {
    return new Promise((resolve) => {
      const overlay = document.createElement('div');
      overlay.className = 'ErrandThreeDSecure';
      overlay.setAttribute('role', 'dialog');
      overlay.setAttribute('aria-modal', 'true');
      overlay.setAttribute('aria-label', '3D Secure authentication');
      // Styles through the CSSOM (element.style), never a style attribute or a <style> element:
      // a page whose CSP has no 'unsafe-inline' in style-src blocks those, but not these.
      setStyles(overlay, {
        position: 'fixed',
        top: '0',
        right: '0',
        bottom: '0',
        left: '0',
        zIndex: '2147483647',
        background: 'rgba(0, 0, 0, 0.45)',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
      });
      const frame = document.createElement('iframe');
      frame.setAttribute('title', '3D Secure authentication');
      frame.setAttribute('name', 'errand-3ds-challenge');
      setStyles(frame, { width: 'min(420px, 95vw)', height: 'min(480px, 90vh)', border: '0', borderRadius: '8px', background: '#fff', boxShadow: '0 8px 32px rgba(0, 0, 0, 0.35)' });
      frame.src = url;
      overlay.appendChild(frame);
      const done = (outcome) => {
        window.removeEventListener('message', onMessage);
        document.removeEventListener('securitypolicyviolation', onViolation);
        overlay.parentNode?.removeChild(overlay);
        resolve(outcome);
      };
      const onMessage = (event) => {
        if (event.origin !== gatewayOrigin) return;
        const data = event.data;
        if (data?.type !== 'errand-gateway:3ds-done' || data.paymentIntent !== paymentIntentId) return;
        done(data.outcome);
      };
      // The page's CSP refuses to frame the gateway: the frame would stay blank for good.
      const onViolation = (event) => {
        const directive = event.effectiveDirective || event.violatedDirective || '';
        if (/^(frame-src|child-src|default-src)/.test(directive) && String(event.blockedURI || '').startsWith(gatewayOrigin)) done('blocked');
      };
      window.addEventListener('message', onMessage);
      document.addEventListener('securitypolicyviolation', onViolation);
      document.body.appendChild(overlay);
    });
  }

  /** The result Stripe.js gives for a PaymentIntent: { paymentIntent }, or { error } after a failed attempt. */
  function intentResult(pi) {
    if (pi.status === 'requires_payment_method' && pi.last_payment_error) {
      const { payment_method, ...error } = pi.last_payment_error;
      return { error: jsError({ ...error, payment_method, payment_intent: pi }) };
    }
    return { paymentIntent: pi };
  }

  async function nextAction(stripe, pi, clientSecret) {
    const action = pi.next_action;
    if (pi.status !== 'requires_action' || !action) return intentResult(pi);
    if (action.type === 'redirect_to_url') {
      window.location.assign(action.redirect_to_url.url);
      return new Promise(() => {}); // the page is going away, as with Stripe.js
    }
    if (action.type !== 'use_stripe_sdk') {
      return { error: { type: 'invalid_request_error', message: `This Stripe.js stand-in cannot handle next_action ${action.type}.` } };
    }
    const outcome = await challengeModal(action.use_stripe_sdk.stripe_js, pi.id);
    if (outcome === 'blocked') {
      return {
        error: {
          type: 'invalid_request_error',
          code: 'authentication_frame_blocked',
          message: "The 3D Secure authentication could not be shown on this page (its Content-Security-Policy refuses the payment processor's frame).",
        },
      };
    }
    const after = await stripe.retrievePaymentIntent(clientSecret);
    return after.error ? after : intentResult(after.paymentIntent);
  }

  Stripe.prototype.handleNextAction = async function handleNextAction(options) {
    const clientSecret = options?.clientSecret;
    const got = await this.retrievePaymentIntent(clientSecret);
    if (got.error) return got;
    return nextAction(this, got.paymentIntent, clientSecret);
  };

  Stripe.prototype.confirmCardPayment = async function confirmCardPayment(clientSecret, data, options) {
    const id = intentId(clientSecret);
    // Stripe.js runs the next action itself (use_stripe_sdk) unless the page handles it, with a return_url to come back to.
    const selfHandled = options?.handleActions === false && data?.return_url;
    const params = { client_secret: clientSecret, payment_user_agent: 'errand-gateway-shim/v3' };
    if (!selfHandled) params.use_stripe_sdk = 'true';
    const pm = data?.payment_method;
    if (typeof pm === 'string') params.payment_method = pm;
    else if (pm && pm.card instanceof CardElement) {
      const built = cardParams(pm.card, 'payment_method_data', pm.billing_details);
      if (built.error) return { error: built.error };
      Object.assign(params, built.params);
    } else if (pm) throw new Error('payment_method must be a PaymentMethod id or { card: cardElement }.');
    if (data?.return_url) params.return_url = String(data.return_url);
    if (data?.receipt_email) params.receipt_email = String(data.receipt_email);
    const json = await call(this, 'POST', `/v1/payment_intents/${id}/confirm`, params);
    if (json.error) return { error: jsError(json.error) };
    if (options?.handleActions === false) return { paymentIntent: json };
    return nextAction(this, json, clientSecret);
  };

  Stripe.version = 3;
  Stripe.errandGateway = gatewayOrigin;
  window.Stripe = Stripe;
})();
