/**
 * POST /buy and its charge job are one trace: the request's span, the charge job's enqueue span
 * (its child) and the attempt's span (the enqueue's child), recorded by the OpenTelemetry SDK's
 * in-memory exporter — also when several requests' sales are committed together.
 */
import { createTestToken, type Gateway, startGateway } from '@errand/gateway';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Worker } from 'errand';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_PG } from '../../../packages/engine/test/helpers/pg.js';
import { eventually } from '../../../packages/engine/test/helpers/signals.js';
import { CHARGE_JOB, PAYMENTS_QUEUE } from '../src/jobs/charge.js';
import { createTestShop, type Dialect, type TestShop } from './helpers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager().enable();
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(contextManager);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

afterAll(async () => {
  await provider.shutdown();
  contextManager.disable();
  trace.disable();
  context.disable();
  propagation.disable();
});

const cases: Dialect[] = HAS_PG ? ['sqlite', 'postgres'] : ['sqlite'];
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const named = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);

describe.each(cases)('tracing POST /buy → charge job on %s', (dialect) => {
  let gateway: Gateway;
  let shop: TestShop;
  let worker: Worker;

  beforeAll(async () => {
    gateway = await startGateway({ port: 0, seed: 11 });
    shop = await createTestShop({ dialect, gateway });
    worker = shop.errand.worker({ queues: { [PAYMENTS_QUEUE]: 4 }, pollMs: 10 });
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await shop?.close();
    await gateway?.close();
  });

  async function buy(email: string): Promise<{ guid: string; jobId: number }> {
    const stripeToken = await createTestToken(gateway.url, '4242424242424242');
    const res = await shop.app.inject({ method: 'POST', url: '/buy/field-guide', headers: { 'content-type': 'application/json' }, payload: { stripeToken, email } });
    expect(res.statusCode).toBe(200);
    const { guid } = res.json() as { guid: string };
    const jobId = (await shop.store.getSale(guid))!.chargeJobId!;
    await eventually(async () => (await shop.errand.admin.getJob(jobId))?.state === 'completed', 15_000, `charge job ${jobId} completed`);
    return { guid, jobId };
  }

  /** The request span, the enqueue span and the attempt span of one charge job, checked to be one trace. */
  function traceOf(jobId: number) {
    const attempt = named(`process ${PAYMENTS_QUEUE}`).find((s) => s.attributes['messaging.message.id'] === String(jobId));
    expect(attempt, `attempt span of job ${jobId}`).toBeDefined();
    const enqueue = named(`enqueue ${PAYMENTS_QUEUE}`).find((s) => s.spanContext().spanId === parentOf(attempt!));
    expect(enqueue, 'the attempt’s parent is an enqueue span').toBeDefined();
    const request = named('POST /buy/:permalink').find((s) => s.spanContext().spanId === parentOf(enqueue!));
    expect(request, 'the enqueue’s parent is the request span').toBeDefined();
    const traceId = request!.spanContext().traceId;
    expect(enqueue!.spanContext().traceId).toBe(traceId);
    expect(attempt!.spanContext().traceId).toBe(traceId);
    return { request: request!, enqueue: enqueue!, attempt: attempt! };
  }

  it('one request: its span, the charge job’s enqueue and its attempt are one trace', async () => {
    exporter.reset();
    const { jobId } = await buy('one@example.com');
    const { request, enqueue, attempt } = traceOf(jobId);
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(parentOf(request)).toBeUndefined();
    expect(enqueue.kind).toBe(SpanKind.PRODUCER);
    expect(attempt.kind).toBe(SpanKind.CONSUMER);
    expect(attempt.attributes).toMatchObject({ 'messaging.system': 'errand', 'errand.job.name': CHARGE_JOB, 'errand.job.attempt': 1, 'errand.job.outcome': 'completed' });
  });

  it('requests whose sales commit together still each get their own trace', async () => {
    exporter.reset();
    const bought = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => buy(`${n}@example.com`)));
    const traces = bought.map(({ jobId }) => traceOf(jobId).request.spanContext().traceId);
    expect(new Set(traces).size).toBe(bought.length);
  });
});
