/** Row → record mapping shared by both stores. */
import { SALE_STATES, type SaleState } from '../sales/states.js';
import type { ChargeTarget, Product, Sale, WebhookEventRecord } from './types.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const date = (v: unknown): Date => (v instanceof Date ? v : new Date(num(v)));

export function toProduct(r: any): Product {
  return {
    id: num(r.id),
    permalink: r.permalink,
    name: r.name,
    description: r.description,
    price: num(r.price),
    currency: r.currency,
    delivery: r.delivery,
  };
}

export function toSale(r: any): Sale {
  return {
    id: num(r.id),
    guid: r.guid,
    productId: num(r.product_id),
    productName: r.product_name,
    productPermalink: r.product_permalink,
    amount: num(r.amount),
    currency: r.currency,
    email: r.email,
    stripeToken: r.stripe_token,
    chargeId: r.charge_id ?? null,
    state: r.state as SaleState,
    errorMessage: r.error_message ?? null,
    errorCode: r.error_code ?? null,
    formKey: r.form_key ?? null,
    chargeJobId: numOrNull(r.charge_job_id),
    refundJobId: numOrNull(r.refund_job_id),
    paymentIntentId: r.payment_intent_id ?? null,
    clientSecret: r.client_secret ?? null,
    threeDSecure: r.three_d_secure ?? null,
    disputed: r.disputed === true || r.disputed === 1,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

export function toChargeTarget(r: any): ChargeTarget {
  return { guid: r.guid, amount: num(r.amount), currency: r.currency, email: r.email, stripeToken: r.stripe_token };
}

export function emptyCounts(): Record<SaleState, number> {
  return Object.fromEntries(SALE_STATES.map((s) => [s, 0])) as Record<SaleState, number>;
}

/** `%term%` with LIKE's wildcards escaped (backslash is the escape character in both dialects). */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function toWebhookEvent(r: any): WebhookEventRecord {
  return {
    id: r.id,
    type: r.type,
    saleGuid: r.sale_guid ?? null,
    payload: r.payload,
    jobId: numOrNull(r.job_id),
    receivedAt: date(r.received_at),
    handledAt: r.handled_at === null || r.handled_at === undefined ? null : date(r.handled_at),
    outcome: r.outcome ?? null,
  };
}
