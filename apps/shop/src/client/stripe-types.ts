/** The part of Stripe.js (or the local gateway's /v3 shim) the checkout page uses. */
export interface StripeError {
  type?: string;
  code?: string;
  message?: string;
  /** Set when the error is about the payment (a decline, a failed authentication). */
  payment_intent?: { id: string; status: string };
}

export interface CardElement {
  mount(target: string | HTMLElement): void;
  on(event: 'change', cb: (e: { error?: StripeError; complete?: boolean }) => void): void;
  on(event: 'ready', cb: () => void): void;
  focus(): void;
  clear(): void;
}

export interface PaymentIntentResult {
  paymentIntent?: { id: string; status: string; next_action?: { type: string; redirect_to_url?: { url: string; return_url: string } } | null };
  error?: StripeError;
}

export interface StripeJs {
  elements(): { create(type: 'card', options?: unknown): CardElement };
  createToken(card: CardElement): Promise<{ token?: { id: string }; error?: StripeError }>;
  createPaymentMethod(data: { type: 'card'; card: CardElement; billing_details?: { email?: string } }): Promise<{ paymentMethod?: { id: string }; error?: StripeError }>;
  /** Runs the PaymentIntent's next action (3-D Secure in a modal) after a server-side confirmation. */
  handleNextAction(options: { clientSecret: string }): Promise<PaymentIntentResult>;
  /** Confirms a PaymentIntent; with handleActions false and a return_url, its next action is a redirect the page follows. */
  confirmCardPayment(clientSecret: string, data?: { return_url?: string }, options?: { handleActions?: boolean }): Promise<PaymentIntentResult>;
}

declare global {
  interface Window {
    Stripe?: (publishableKey: string) => StripeJs;
  }
}
