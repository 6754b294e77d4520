/**
 * The checkout page: make a PaymentMethod with Stripe.js (or the local gateway's stand-in), post
 * its id and the email, poll the sale's status every 500 ms, then go to the pickup page or show
 * why not. A card that asks for 3-D Secure shows `requires_action`: the page runs the challenge
 * with Stripe.js (handleNextAction) and goes on polling. The poll budget (30 polls) is for waiting
 * on the worker: it starts again after the customer answers. Card numbers never reach our server.
 */
import { fetchStatus, postPurchase } from './api.js';
import type { CardElement, StripeJs } from './stripe-types.js';

const POLL_MS = 500;
const MAX_POLLS = 30;
const SLOW_POLL_MS = 5_000;

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing`);
  return el;
}

/** A fresh one-time form key after a failed attempt (the old one names the failed sale). */
function newFormKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(): void {
  const form = $('checkout') as HTMLFormElement;
  const button = $('buy') as HTMLButtonElement;
  const spinner = button.querySelector('.spinner') as HTMLElement;
  const statusEl = $('checkout-status');
  const errorEl = $('checkout-error');
  const email = $('email') as HTMLInputElement;
  const formKeyInput = form.elements.namedItem('formKey') as HTMLInputElement;
  const csrf = (form.elements.namedItem('_csrf') as HTMLInputElement).value;

  const setStatus = (text: string) => {
    statusEl.textContent = text;
  };
  const showError = (text: string) => {
    errorEl.textContent = text;
  };
  const setBusy = (busy: boolean) => {
    button.disabled = busy;
    button.setAttribute('aria-busy', String(busy));
    spinner.hidden = !busy;
    form.classList.toggle('busy', busy);
  };

  if (typeof window.Stripe !== 'function') {
    showError('The secure card form could not be loaded. Check your connection and reload the page.');
    return;
  }
  let stripe: StripeJs;
  let card: CardElement;
  try {
    stripe = window.Stripe(form.dataset.publishableKey ?? '');
    card = stripe.elements().create('card');
    document.getElementById('card-loading')?.remove();
    card.mount('#card-element');
  } catch (err) {
    showError(`The secure card form could not be started: ${(err as Error).message}`);
    return;
  }
  card.on('change', (e) => showError(e.error?.message ?? ''));
  button.disabled = false;

  let busy = false;

  const fail = (message: string, focus: 'email' | 'card' | 'button') => {
    setStatus('');
    showError(message);
    setBusy(false);
    busy = false;
    if (focus === 'email') email.focus();
    else if (focus === 'card') card.focus();
    else button.focus();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return; // a double click: the first submit is under way
    showError('');
    if (!email.value.trim() || !email.checkValidity()) {
      email.setAttribute('aria-invalid', 'true');
      fail(email.value.trim() ? 'Enter a valid email address, like you@example.com.' : 'Enter your email address.', 'email');
      return;
    }
    email.setAttribute('aria-invalid', 'false');
    busy = true;
    setBusy(true);
    setStatus('Processing your payment…');

    const { paymentMethod, error } = await stripe.createPaymentMethod({ type: 'card', card, billing_details: { email: email.value.trim() } });
    if (error || !paymentMethod) {
      fail(error?.message ?? 'Your card could not be read. Check the details and try again.', 'card');
      return;
    }

    let guid: string;
    try {
      guid = await postPurchase(form.action, { _csrf: csrf, formKey: formKeyInput.value, email: email.value.trim(), paymentMethod: paymentMethod.id });
    } catch (err) {
      formKeyInput.value = newFormKey();
      fail((err as Error).message, 'button');
      return;
    }

    // The challenge shown for each client secret, once; its Stripe.js error, if it failed.
    let challenged: string | null = null;
    let challengeError: string | null = null;
    for (let polls = 0; ; polls++) {
      if (polls === MAX_POLLS) {
        setBusy(true);
        spinner.hidden = true;
        setStatus(`This is taking longer than expected — we'll email you; your reference is ${guid}.`);
      }
      await sleep(polls < MAX_POLLS ? POLL_MS : SLOW_POLL_MS);
      const s = await fetchStatus(guid);
      if (s?.status === 'requires_action' && s.clientSecret && s.clientSecret !== challenged) {
        challenged = s.clientSecret;
        setStatus('Your bank asks you to confirm this payment…');
        spinner.hidden = true;
        const result = await stripe.handleNextAction({ clientSecret: s.clientSecret });
        challengeError = result.error?.message ?? null;
        spinner.hidden = false;
        setStatus('Processing your payment…');
        polls = -1; // the customer answered: the worker's budget starts again
        continue;
      }
      if (s?.status === 'finished') {
        setStatus('Payment received. Taking you to your download…');
        window.location.assign(`/pickup/${encodeURIComponent(guid)}`);
        return;
      }
      if (s?.status === 'error') {
        // The next attempt is a new sale: a fresh form key, a fresh token.
        formKeyInput.value = newFormKey();
        fail(s.error ?? challengeError ?? 'The payment failed.', 'card');
        return;
      }
    }
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
