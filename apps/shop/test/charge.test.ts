/**
 * The charge job against the real local gateway, with faults: a decline errors without a retry;
 * 500s, 429s and timeouts are retried and end with exactly one charge; a lost response replays
 * the first charge; exhausted attempts look the charge up before erroring; a late job changes nothing.
 */
import { createTestToken, type Gateway, startGateway } from '@errand/gateway';
import type { Worker } from 'errand';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HAS_PG } from '../../../packages/engine/test/helpers/pg.js';
import { eventually, waitForEvent } from '../../../packages/engine/test/helpers/signals.js';
import Stripe from 'stripe';
import { GATEWAY_DOWN_MESSAGE, PAYMENTS_QUEUE } from '../src/jobs/charge.js';
import { classify } from '../src/jobs/gateway-errors.js';
import { createSalesSource } from '../src/sales/admin-source.js';
import { txEnqueue } from '../src/sales/enqueue.js';
import { newGuid } from '../src/sales/guid.js';
import { createTestShop, type Dialect, type TestShop } from './helpers.js';

const cases: Dialect[] = HAS_PG ? ['sqlite', 'postgres'] : ['sqlite'];
const MAX_ATTEMPTS = 3;

/** Place a sale for `card` and resolve when its charge job completes or dies. */
async function order(shop: TestShop, gateway: Gateway, card = '4242424242424242') {
  const guid = newGuid();
  const token = await createTestToken(gateway.url, card);
  const mine = (e: { job: { payload: unknown } }) => (e.job.payload as { guid?: string }).guid === guid;
  const done = Promise.race([
    waitForEvent(shop.errand, 'job:success', mine, 20_000).then(() => 'completed' as const),
    waitForEvent(shop.errand, 'job:dead', mine, 20_000).then(() => 'dead' as const),
  ]);
  const product = (await shop.store.getProduct('field-guide'))!;
  const placed = await shop.store.placeSale(
    { guid, product, email: 'buyer@example.com', stripeToken: token, formKey: null },
    txEnqueue(shop.store, shop.errand, shop.jobs.charge, { guid }),
  );
  if (!placed.created) throw new Error('not created');
  const jobId = placed.jobId;
  // The event fires when the attempt ends; the worker records the outcome just after (in a batch).
  const settled = done.then(async (outcome) => {
    await eventually(async () => (await shop.errand.admin.getJob(jobId))?.state === outcome, 5_000, `job ${jobId} ${outcome}`);
    return outcome;
  });
  return { guid, jobId, done: settled };
}

const chargesFor = (gateway: Gateway, guid: string) => gateway.ledger().filter((c) => c.metadata.sale_guid === guid);

describe.each(cases)('charge job on %s', (dialect) => {
  let gateway: Gateway;
  let shop: TestShop;
  let worker: Worker;

  beforeAll(async () => {
    gateway = await startGateway({ port: 0, seed: 7 });
    shop = await createTestShop({ dialect, gateway, stripeTimeoutMs: 300, maxAttempts: MAX_ATTEMPTS, backoffBaseMs: 10 });
    worker = shop.errand.worker({ queues: { payments: 4 }, pollMs: 10 });
    await worker.start();
  });
  afterEach(() => {
    gateway.setFaults({ latencyMs: 0, error500: 0, error429: 0, hang: 0, reset: 0, lostResponse: 0 });
  });
  afterAll(async () => {
    await shop?.close();
    await gateway?.close();
  });

  it('charges the sale: finished with the charge id; one charge with the amount, currency, email, metadata and idempotency key', async () => {
    const { guid, jobId, done } = await order(shop, gateway);
    expect(await done).toBe('completed');
    const sale = (await shop.store.getSale(guid))!;
    const [charge, ...more] = chargesFor(gateway, guid);
    expect(more).toEqual([]);
    expect(charge).toMatchObject({ status: 'succeeded', amount: 900, currency: 'usd', idempotencyKey: `sale-${guid}`, metadata: { sale_guid: guid } });
    expect(sale).toMatchObject({ state: 'finished', chargeId: charge.id, errorMessage: null, chargeJobId: jobId });
    expect((await shop.errand.admin.getJob(jobId))!.attempt).toBe(1);
  });

  it.each([
    ['4000000000000002', 'Your card was declined.', 'generic_decline'],
    ['4000000000009995', 'Your card has insufficient funds.', 'insufficient_funds'],
    ['4000000000000069', 'Your card has expired.', 'expired_card'],
    ['4000000000000127', "Your card's security code is incorrect.", 'incorrect_cvc'],
  ])('a card error (%s) → errored with "%s", the job succeeds with no retry', async (card, message, code) => {
    const { guid, jobId, done } = await order(shop, gateway, card);
    expect(await done).toBe('completed');
    expect(await shop.store.getSale(guid)).toMatchObject({ state: 'errored', errorMessage: message, errorCode: code, chargeId: null });
    const job = (await shop.errand.admin.getJob(jobId))!;
    expect(job).toMatchObject({ state: 'completed', attempt: 1, errors: [] });
    expect(chargesFor(gateway, guid).map((c) => c.status)).toEqual(['failed']);
  });

  it.each([
    ['500s', { error500: 1 }],
    ['429s', { error429: 1 }],
    ['timeouts (the gateway hangs)', { hang: 1 }],
    ['connection resets', { reset: 1 }],
  ])('%s → retried while the sale stays processing, then finished with exactly one successful charge', async (_what, faults) => {
    gateway.setFaults(faults);
    let retries = 0;
    let processingWhileRetrying = true;
    const off = shop.errand.on('job:retry', (e) => {
      void shop.store.getSale((e.job.payload as { guid: string }).guid).then((s) => {
        if (s?.state !== 'processing') processingWhileRetrying = false;
      });
      if (++retries === 1) gateway.setFaults({ error500: 0, error429: 0, hang: 0, reset: 0 });
    });
    try {
      const { guid, jobId, done } = await order(shop, gateway);
      expect(await done).toBe('completed');
      const job = (await shop.errand.admin.getJob(jobId))!;
      expect(job.attempt).toBe(2);
      expect(job.errors).toHaveLength(1);
      const charges = chargesFor(gateway, guid);
      expect(charges.map((c) => c.status)).toEqual(['succeeded']);
      expect(await shop.store.getSale(guid)).toMatchObject({ state: 'finished', chargeId: charges[0].id });
      expect(processingWhileRetrying).toBe(true);
    } finally {
      off();
    }
  });

  it('a lost response (charged, answer never arrives) → the retry replays the first charge: finished, exactly one charge', async () => {
    gateway.setFaults({ lostResponse: 1 });
    const off = shop.errand.on('job:retry', () => gateway.setFaults({ lostResponse: 0 }));
    try {
      const { guid, jobId, done } = await order(shop, gateway);
      expect(await done).toBe('completed');
      const charges = chargesFor(gateway, guid);
      expect(charges).toHaveLength(1);
      expect(charges[0].status).toBe('succeeded');
      expect(await shop.store.getSale(guid)).toMatchObject({ state: 'finished', chargeId: charges[0].id });
      expect((await shop.errand.admin.getJob(jobId))!.attempt).toBe(2);
    } finally {
      off();
    }
  });

  it('attempts exhausted while every answer is lost → the lookup by metadata.sale_guid finds the charge: finished, not errored', async () => {
    gateway.setFaults({ lostResponse: 1 });
    const { guid, jobId, done } = await order(shop, gateway);
    expect(await done).toBe('completed');
    const charges = chargesFor(gateway, guid);
    expect(charges.map((c) => c.status)).toEqual(['succeeded']);
    expect(await shop.store.getSale(guid)).toMatchObject({ state: 'finished', chargeId: charges[0].id });
    expect((await shop.errand.admin.getJob(jobId))!.attempt).toBe(MAX_ATTEMPTS);
  });

  it('attempts exhausted with 500s every time → errored (no charge was made), the job dead', async () => {
    gateway.setFaults({ error500: 1 });
    const { guid, jobId, done } = await order(shop, gateway);
    expect(await done).toBe('dead');
    expect(await shop.store.getSale(guid)).toMatchObject({ state: 'errored', errorMessage: GATEWAY_DOWN_MESSAGE, errorCode: 'gateway_unavailable' });
    expect(chargesFor(gateway, guid)).toEqual([]);
    expect((await shop.errand.admin.getJob(jobId))!).toMatchObject({ state: 'dead', attempt: MAX_ATTEMPTS });
  });

  it('a late or repeated charge job changes nothing: a finished sale stays finished, no second charge', async () => {
    const { guid, done } = await order(shop, gateway);
    expect(await done).toBe('completed');
    const before = await shop.store.getSale(guid);
    const again = waitForEvent(shop.errand, 'job:success', (e) => (e.job.payload as { guid: string }).guid === guid);
    await shop.errand.enqueue(shop.jobs.charge, { guid });
    await again;
    expect(await shop.store.getSale(guid)).toEqual(before);
    expect(chargesFor(gateway, guid)).toHaveLength(1);
    // And a job for a sale that does not exist is done at once.
    const ghost = newGuid();
    const gone = waitForEvent(shop.errand, 'job:success', (e) => (e.job.payload as { guid: string }).guid === ghost);
    await shop.errand.enqueue(shop.jobs.charge, { guid: ghost });
    await gone;
  });

  it('refund (console): only a finished sale; one shop.refund job with key refund-<guid>; finished → refunded', async () => {
    const sales = createSalesSource(shop);
    const { guid, done } = await order(shop, gateway);
    await done;
    const refunded = waitForEvent(shop.errand, 'job:success', (e) => e.job.name === 'shop.refund' && (e.job.payload as { guid: string }).guid === guid);
    // Hold the queue so that the second click surely lands while the first refund still waits
    // (a running worker would otherwise finish it in between, and the sale would be refunded).
    await shop.errand.admin.pauseQueue(PAYMENTS_QUEUE);
    const first = await sales.refund(guid);
    const second = await sales.refund(guid);
    await shop.errand.admin.resumeQueue(PAYMENTS_QUEUE);
    expect(first.ok).toBe(true);
    expect(second).toEqual(first);
    await refunded;
    expect(await shop.store.getSale(guid)).toMatchObject({ state: 'refunded', refundJobId: (first as { jobId: number }).jobId });
    expect(chargesFor(gateway, guid)[0].amountRefunded).toBe(900);
    expect(await sales.refund(guid)).toEqual({ ok: false, reason: 'only a finished sale can be refunded; this one is refunded' });
    const declined = await order(shop, gateway, '4000000000000002');
    await declined.done;
    expect(await sales.refund(declined.guid)).toEqual({ ok: false, reason: 'only a finished sale can be refunded; this one is errored' });
    expect(await sales.refund(newGuid())).toEqual({ ok: false, reason: 'no such sale' });
  });
});

describe('a request the gateway refuses (a 4xx other than 409/429)', () => {
  it.each([
    [400, 'invalid'],
    [401, 'invalid'],
    [403, 'invalid'],
    [404, 'invalid'],
    [402, 'card'],
    [409, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
  ] as const)('%i is %s', (statusCode, kind) => {
    const err = Stripe.errors.StripeError.generate({ type: 'invalid_request_error', message: 'x' } as never);
    Object.assign(err, { statusCode });
    expect(classify(err)).toBe(kind);
  });

  it('a token already used by another sale (400 token_already_used) is not retried: dead after one attempt, the sale errored, one charge', async () => {
    const gateway = await startGateway({ port: 0 });
    const shop = await createTestShop({ gateway, stripeTimeoutMs: 2000, maxAttempts: 5, backoffBaseMs: 10 });
    const worker = shop.errand.worker({ queues: { payments: 1 }, pollMs: 10 });
    try {
      const token = await createTestToken(gateway.url);
      const product = (await shop.store.getProduct('field-guide'))!;
      const guids = [newGuid(), newGuid()];
      const ended = guids.map((guid) =>
        Promise.race([
          waitForEvent(shop.errand, 'job:success', (e) => (e.job.payload as { guid: string }).guid === guid, 20_000),
          waitForEvent(shop.errand, 'job:dead', (e) => (e.job.payload as { guid: string }).guid === guid, 20_000),
        ]),
      );
      // Placed behind the checkout's back (as a database from before the check would hold them).
      const jobs: number[] = [];
      for (const guid of guids) {
        const placed = await shop.store.placeSale({ guid, product, email: 'b@example.com', stripeToken: token, formKey: null }, txEnqueue(shop.store, shop.errand, shop.jobs.charge, { guid }));
        if (placed.created) jobs.push(placed.jobId);
      }
      await worker.start();
      await Promise.all(ended);
      await eventually(async () => (await shop.errand.admin.getJob(jobs[1]))?.state === 'dead', 5_000, 'second job dead');
      expect((await shop.errand.admin.getJob(jobs[1]))?.attempt).toBe(1);
      expect(await shop.store.getSale(guids[0])).toMatchObject({ state: 'finished' });
      expect(await shop.store.getSale(guids[1])).toMatchObject({ state: 'errored', errorCode: 'token_already_used' });
      expect(gateway.ledger()).toHaveLength(1);
    } finally {
      await worker.stop();
      await shop.close();
      await gateway.close();
    }
  });
});

describe('charge job with the gateway down', () => {
  it('attempts exhausted and the gateway unreachable (lookup fails too) → errored, zero charges', async () => {
    const gateway = await startGateway({ port: 0 });
    const shop = await createTestShop({ gateway, stripeTimeoutMs: 300, maxAttempts: MAX_ATTEMPTS, backoffBaseMs: 10 });
    const worker = shop.errand.worker({ queues: { payments: 1 }, pollMs: 10 });
    try {
      const token = await createTestToken(gateway.url);
      await gateway.close();
      const guid = newGuid();
      const dead = waitForEvent(shop.errand, 'job:dead', (e) => (e.job.payload as { guid: string }).guid === guid);
      const product = (await shop.store.getProduct('field-guide'))!;
      await shop.store.placeSale({ guid, product, email: 'b@example.com', stripeToken: token, formKey: null }, txEnqueue(shop.store, shop.errand, shop.jobs.charge, { guid }));
      await worker.start();
      await dead;
      expect(await shop.store.getSale(guid)).toMatchObject({ state: 'errored', errorMessage: GATEWAY_DOWN_MESSAGE });
      expect(gateway.ledger()).toEqual([]);
    } finally {
      await shop.close();
    }
  });
});
