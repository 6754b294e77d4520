/** Stripe-shaped errors: `{"error": {type, code, decline_code, message, param, charge}}`. */

export type ErrorType = 'invalid_request_error' | 'card_error' | 'api_error' | 'idempotency_error';

export interface ErrorBody {
  type: ErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  charge?: string;
  doc_url?: string;
  advice_code?: string;
  /** The PaymentIntent an error is about (a decline on confirm, a state error), as Stripe includes it. */
  payment_intent?: unknown;
  /** The payment method a decline happened with. */
  payment_method?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;
  /**
   * True when the request got as far as executing (a declined charge was recorded). Only such
   * errors are saved for idempotent replay, as Stripe does; validation errors are not.
   */
  readonly executed: boolean;

  constructor(status: number, body: ErrorBody, executed = false) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.executed = executed;
  }
}

function docUrl(code: string | undefined): string | undefined {
  return code ? `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}` : undefined;
}

/** 400 invalid_request_error naming the parameter. */
export function invalidRequest(message: string, param?: string, code?: string): ApiError {
  return new ApiError(400, clean({ type: 'invalid_request_error', message, param, code, doc_url: docUrl(code) }));
}

export function missingParam(param: string): ApiError {
  return invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
}

export function unknownParam(param: string): ApiError {
  return invalidRequest(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
}

export function resourceMissing(kind: string, id: string, param: string, status = 404): ApiError {
  return new ApiError(
    status,
    clean({
      type: 'invalid_request_error',
      message: `No such ${kind}: '${id}'`,
      param,
      code: 'resource_missing',
      doc_url: docUrl('resource_missing'),
    }),
  );
}

export function unrecognizedUrl(method: string, path: string): ApiError {
  return new ApiError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

export function authError(message: string): ApiError {
  return new ApiError(401, { type: 'invalid_request_error', message });
}

/** 402 card_error. `charge` is set when a failed charge was recorded (then `executed` is true). */
export function cardError(fields: { message: string; code: string; declineCode?: string; param?: string; charge?: string }): ApiError {
  return new ApiError(
    402,
    clean({
      type: 'card_error',
      message: fields.message,
      code: fields.code,
      decline_code: fields.declineCode,
      param: fields.param,
      charge: fields.charge,
      doc_url: docUrl(fields.code),
    }),
    fields.charge !== undefined,
  );
}

export function idempotencyMismatch(key: string): ApiError {
  return new ApiError(400, {
    type: 'idempotency_error',
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

export function idempotencyInUse(): ApiError {
  return new ApiError(409, {
    type: 'idempotency_error',
    code: 'idempotency_key_in_use',
    message:
      'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): please try again later.',
  });
}

export function rateLimited(): ApiError {
  return new ApiError(429, {
    type: 'invalid_request_error',
    code: 'rate_limit',
    message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
    doc_url: docUrl('rate_limit'),
  });
}

export function apiError(message = 'An unknown error occurred while processing your request. (injected fault)'): ApiError {
  return new ApiError(500, { type: 'api_error', message });
}

export function tooLarge(limit: number): ApiError {
  return new ApiError(413, {
    type: 'invalid_request_error',
    message: `Request body too large: the limit is ${limit} bytes.`,
  });
}

/**
 * The same error with the PaymentIntent (and payment method) it concerns, as Stripe adds them.
 * `executed` says whether the request made a change that must be saved for replay.
 */
export function aboutPaymentIntent(err: ApiError, paymentIntent: unknown, paymentMethod?: unknown, executed = err.executed): ApiError {
  const body: ErrorBody = { ...err.body, payment_intent: structuredClone(paymentIntent) };
  if (paymentMethod !== undefined) body.payment_method = structuredClone(paymentMethod);
  return new ApiError(err.status, body, executed);
}

/** 400 payment_intent_unexpected_state. */
export function unexpectedState(message: string, paymentIntent: unknown): ApiError {
  return aboutPaymentIntent(invalidRequest(message, undefined, 'payment_intent_unexpected_state'), paymentIntent);
}

export function docUrlFor(code: string): string {
  return docUrl(code) as string;
}

/** Drops undefined fields so the JSON matches Stripe's (absent rather than null). */
function clean(body: ErrorBody): ErrorBody {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (v !== undefined) out[k] = v;
  return out as unknown as ErrorBody;
}

export function errorJson(err: ApiError): string {
  return JSON.stringify({ error: err.body });
}
