/**
 * The checkout page: make a PaymentMethod with Stripe.js (or the local gateway's stand-in), post
 * its id and the email, poll the sale's status every 500 ms, then go to the pickup page or show
 * why not. A card that asks for 3-D Secure shows `requires_action`: the page runs the challenge
 * with Stripe.js (handleNextAction) and goes on polling. The poll budget (30 polls) is for waiting
 * on the worker: it starts again after the customer answers. Card numbers never reach our server.
 *
 * When Stripe.js cannot show its modal (it answers an error that is not about the payment — no
 * payment_intent in it — or throws), the page takes the redirect instead: it confirms the
 * PaymentIntent again with return_url /return/:guid and handles the next action itself, so the
 * browser goes to the bank's (the gateway's) page and comes back to /return/:guid, which sends it
 * here with ?sale=<guid>: the page then polls that sale as before it left.
 */
import { fetchStatus, postPurchase } from './api.js';
import type { CardElement, StripeError, StripeJs } from './stripe-types.js';

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

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The sale this page comes back to after the redirect flow (?sale=<guid>), removed from the address bar. */
function returningSale(): string | null {
  const url = new URL(window.location.href);
  const guid = url.searchParams.get('sale');
  if (guid === null) return null;
  url.searchParams.delete('sale');
  window.history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
  return GUID.test(guid) ? guid : null;
}

/**
 * Runs a PaymentIntent's challenge: in Stripe.js's modal, or, when that cannot be shown, by
 * redirecting the whole page to the bank. Resolves with the challenge's error message (null when
 * it went through); never resolves when the page is going away.
 */
async function runChallenge(stripe: StripeJs, clientSecret: string, guid: string): Promise<string | null> {
  let error: StripeError | undefined;
  try {
    error = (await stripe.handleNextAction({ clientSecret })).error;
  } catch (err) {
    error = { message: (err as Error).message };
  }
  if (!error || error.payment_intent) return error?.message ?? null; // the customer answered
  // Stripe.js could not run the action here: authenticate on the bank's page and come back.
  const returnUrl = new URL(`/return/${encodeURIComponent(guid)}`, window.location.href).href;
  const confirmed = await stripe.confirmCardPayment(clientSecret, { return_url: returnUrl }, { handleActions: false });
  const redirect = confirmed.paymentIntent?.next_action?.redirect_to_url?.url;
  if (!redirect) return confirmed.error?.message ?? error.message ?? null;
  window.location.assign(redirect);
  return new Promise(() => {});
}

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
    await follow(guid);
  });

  /** Polls the sale until it is finished (→ pickup) or failed (→ the message; the form works again). */
  async function follow(guid: string): Promise<void> {
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
        challengeError = await runChallenge(stripe, s.clientSecret, guid);
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
  }

  // Back from the bank's page (the redirect flow): follow that sale again.
  const returning = returningSale();
  if (returning) {
    busy = true;
    setBusy(true);
    setStatus('Checking your payment…');
    void follow(returning);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
