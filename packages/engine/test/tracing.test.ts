import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { driverOf, type InternalErrandOptions } from '../src/client.js';
import { createErrand, defineJob, type Errand, PermanentError } from '../src/index.js';
import { DRIVERS, PG_IN_SCHEMA } from './helpers/drivers.js';
import { testPool } from './helpers/pg.js';
import { waitForEvent } from './helpers/signals.js';
import { unregisterOtel } from './helpers/otel.js';

/**
 * OpenTelemetry through the API's globals, as an application registers it: a tracer provider
 * with the SDK's in-memory exporter, the AsyncLocalStorage context manager, W3C propagation.
 */
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager().enable();
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(contextManager);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracer = trace.getTracer('test-app');

const logger = pino({ level: 'silent' });
const spans = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const only = (name: string): ReadableSpan => {
  const found = spans(name);
  expect(found, `spans named ${name}`).toHaveLength(1);
  return found[0];
};
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
let seq = 0;

afterAll(() => unregisterOtel(provider, contextManager));

for (const target of [...DRIVERS, PG_IN_SCHEMA]) {
  describe.runIf(target.enabled)(`OpenTelemetry: ${target.name}`, () => {
    let errand: Errand;
    let url: string;
    let teardown: () => Promise<void>;
    beforeAll(async () => {
      const db = await target.setup();
      url = db.url;
      teardown = db.teardown;
      errand = await createErrand({ databaseUrl: url, logger });
    });
    afterAll(async () => {
      await errand?.close();
      await teardown?.();
    });
    beforeEach(() => exporter.reset());

    async function runOne(queue: string, id: number) {
      const done = waitForEvent(errand, 'job:success', (e) => e.job.id === id);
      const failed = waitForEvent(errand, 'job:failure', (e) => e.job.id === id);
      const w = errand.worker({ queues: { [queue]: 1 }, pollMs: 50, maintenance: false });
      await w.start();
      await Promise.race([done, failed]);
      await w.stop();
    }

    it('makes the attempt’s span a child of the enqueue’s, itself a child of the request’s; the handler runs inside it', async () => {
      const queue = `traced-${++seq}`;
      const job = defineJob<{ guid: string }>({
        name: `charge-${seq}`,
        queue,
        handler: async () => {
          tracer.startActiveSpan('gateway call', (s) => s.end());
        },
      });
      errand.register(job);
      const id = await tracer.startActiveSpan('POST /buy', { kind: SpanKind.SERVER }, async (request) => {
        try {
          return (await errand.enqueue(job, { guid: 'g1' })).id;
        } finally {
          request.end();
        }
      });
      await runOne(queue, id);

      const request = only('POST /buy');
      const enqueue = only(`enqueue ${queue}`);
      const attempt = only(`process ${queue}`);
      const inside = only('gateway call');
      const traceId = request.spanContext().traceId;
      expect([enqueue, attempt, inside].map((s) => s.spanContext().traceId)).toEqual([traceId, traceId, traceId]);
      expect(parentOf(enqueue)).toBe(request.spanContext().spanId);
      expect(parentOf(attempt)).toBe(enqueue.spanContext().spanId);
      expect(parentOf(inside)).toBe(attempt.spanContext().spanId);
      expect(enqueue.kind).toBe(SpanKind.PRODUCER);
      expect(enqueue.attributes).toMatchObject({
        'messaging.system': 'errand',
        'messaging.operation.type': 'send',
        'messaging.destination.name': queue,
        'messaging.message.id': String(id),
        'errand.job.name': job.name,
      });
      expect(attempt.kind).toBe(SpanKind.CONSUMER);
      expect(attempt.attributes).toMatchObject({
        'messaging.system': 'errand',
        'messaging.operation.type': 'process',
        'messaging.destination.name': queue,
        'messaging.message.id': String(id),
        'errand.job.name': job.name,
        'errand.job.attempt': 1,
        'errand.job.outcome': 'completed',
      });
      expect(attempt.status.code).not.toBe(SpanStatusCode.ERROR);
    });

    it('records a failed attempt’s error on its span, with the attempt number and what comes next', async () => {
      const queue = `failing-${++seq}`;
      const job = defineJob<null>({
        name: `fails-${seq}`,
        queue,
        maxAttempts: 1,
        handler: () => {
          throw new PermanentError('card declined');
        },
      });
      errand.register(job);
      const id = await tracer.startActiveSpan('POST /buy', async (request) => {
        const enq = await errand.enqueue(job, null);
        request.end();
        return enq.id;
      });
      await runOne(queue, id);
      const attempt = only(`process ${queue}`);
      expect(parentOf(attempt)).toBe(only(`enqueue ${queue}`).spanContext().spanId);
      expect(attempt.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'card declined' });
      expect(attempt.attributes).toMatchObject({ 'errand.job.attempt': 1, 'errand.job.outcome': 'dead' });
      expect(attempt.events.map((e) => e.name)).toContain('exception');
    });

    it('one span per enqueueMany call, its context stored with every job', async () => {
      const queue = `batch-${++seq}`;
      const job = defineJob<{ n: number }>({ name: `batch-${seq}`, queue, handler: () => {} });
      errand.register(job);
      await tracer.startActiveSpan('import', async (s) => {
        await errand.enqueueMany([job.with({ n: 1 }), job.with({ n: 2 }), job.with({ n: 3 })]);
        s.end();
      });
      const ran = await errand.drain({ queue });
      expect(ran).toHaveLength(3);
      const enqueue = only(`enqueue ${queue}`);
      expect(enqueue.attributes['messaging.batch.message_count']).toBe(3);
      const attempts = spans(`process ${queue}`);
      expect(attempts).toHaveLength(3);
      for (const a of attempts) expect(parentOf(a)).toBe(enqueue.spanContext().spanId);
    });

    it('gives each job of a shared enqueueMany its own request’s trace with the traceContext option (a group commit)', async () => {
      const queue = `group-${++seq}`;
      const job = defineJob<{ n: number }>({ name: `group-${seq}`, queue, handler: () => {} });
      errand.register(job);
      const carriers: Record<string, string>[] = [];
      const requests: string[] = [];
      for (const n of [1, 2]) {
        tracer.startActiveSpan(`request ${n}`, (s) => {
          const carrier: Record<string, string> = {};
          propagation.inject(context.active(), carrier);
          carriers.push(carrier);
          requests.push(s.spanContext().traceId);
          s.end();
        });
      }
      // Outside both requests, as a group-commit writer runs.
      await errand.enqueueMany([job.with({ n: 1 }, { traceContext: carriers[0] }), job.with({ n: 2 }, { traceContext: carriers[1] })]);
      await errand.drain({ queue });
      const enqueues = spans(`enqueue ${queue}`);
      expect(enqueues.map((e) => e.spanContext().traceId).sort()).toEqual([...requests].sort());
      for (const [i, r] of [only('request 1'), only('request 2')].entries()) {
        const enq = enqueues.find((e) => e.spanContext().traceId === requests[i])!;
        expect(parentOf(enq)).toBe(r.spanContext().spanId);
        const attempt = spans(`process ${queue}`).find((a) => a.spanContext().traceId === requests[i])!;
        expect(parentOf(attempt)).toBe(enq.spanContext().spanId);
      }
      await expect(errand.enqueue(job, { n: 3 }, { traceContext: { traceparent: 7 } as never })).rejects.toMatchObject({
        code: 'ERRAND_BAD_OPTION',
        message: expect.stringMatching(/traceContext must be a W3C trace context/),
      });
    });

    if (target.name.startsWith('postgres')) it('carries the context through an enqueue in the caller’s transaction', async () => {
      const queue = `tx-${++seq}`;
      const job = defineJob<null>({ name: `tx-${seq}`, queue, handler: () => {} });
      errand.register(job);
      const pool = testPool(url.replace(/\?schema=.*$/, ''), 1);
      try {
        const client = await pool.connect();
        const id = await tracer.startActiveSpan('POST /buy', async (request) => {
          await client.query('BEGIN');
          const enq = await errand.enqueue(job, null, { tx: client as never });
          await client.query('COMMIT');
          request.end();
          return enq.id;
        });
        client.release();
        await runOne(queue, id);
        expect(parentOf(only(`process ${queue}`))).toBe(only(`enqueue ${queue}`).spanContext().spanId);
        expect(only(`enqueue ${queue}`).spanContext().traceId).toBe(only('POST /buy').spanContext().traceId);
      } finally {
        await pool.end();
      }
    });

    it('keeps the parent on a rate-limited queue: the limited claim carries the trace context too', async () => {
      const queue = `limited-${++seq}`;
      const job = defineJob<{ n: number }>({ name: `limited-${seq}`, queue, handler: () => {} });
      errand.register(job);
      // An hour's window with room for four: the direct claim and the worker's both fit.
      await errand.admin.setRateLimit(queue, { limit: 4, intervalMs: 3_600_000 });
      try {
        const ids = await tracer.startActiveSpan('POST /buy', async (request) => {
          const a = await errand.enqueue(job, { n: 1 });
          const b = await errand.enqueue(job, { n: 2 });
          request.end();
          return [a.id, b.id];
        });
        const claim = await driverOf(errand).claimRateLimited(queue, 10, 'trace-w', 60_000, 100);
        expect(claim.limited).toBe(true);
        expect(claim.jobs.map((j) => j.id)).toEqual(ids);
        for (const j of claim.jobs) expect(JSON.parse(j.traceContext ?? 'null')).toMatchObject({ traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-/) });
        await driverOf(errand).releaseJobs(ids, 'trace-w', true, null);
        // A worker on the limited queue: the attempts' spans are children of the enqueues'.
        const done = Promise.all(ids.map((id) => waitForEvent(errand, 'job:success', (e) => e.job.id === id)));
        const w = errand.worker({ queues: { [queue]: 2 }, pollMs: 50, maintenance: false });
        await w.start();
        await done;
        await w.stop();
        const enqueues = spans(`enqueue ${queue}`);
        const attempts = spans(`process ${queue}`);
        expect(enqueues).toHaveLength(2);
        expect(attempts).toHaveLength(2);
        const traceId = only('POST /buy').spanContext().traceId;
        for (const a of attempts) {
          expect(a.spanContext().traceId).toBe(traceId);
          expect(enqueues.map((e) => e.spanContext().spanId)).toContain(parentOf(a));
        }
        expect(new Set(attempts.map(parentOf)).size).toBe(2);
      } finally {
        await errand.admin.removeRateLimit(queue);
      }
    });

    it('without @opentelemetry/api (or with tracing: false) nothing is traced and no context is stored', async () => {
      const missing = () => Promise.reject(Object.assign(new Error("Cannot find package '@opentelemetry/api'"), { code: 'ERR_MODULE_NOT_FOUND' }));
      const options = { databaseUrl: target.name === 'memory' ? 'memory:' : url, logger, loadOtel: missing } as InternalErrandOptions;
      for (const untraced of [await createErrand(options), await createErrand({ databaseUrl: options.databaseUrl, logger, tracing: false })]) {
        try {
          exporter.reset();
          const queue = `plain-${++seq}`;
          const job = defineJob<null>({ name: `plain-${seq}`, queue, handler: () => {} });
          untraced.register(job);
          await tracer.startActiveSpan('POST /buy', async (s) => {
            await untraced.enqueue(job, null);
            s.end();
          });
          const [claimed] = await driverOf(untraced).claimJobs(queue, 1, 'test', 60_000);
          expect(claimed.traceContext).toBeNull();
          expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['POST /buy']);
        } finally {
          await untraced.close();
        }
      }
    });
  });
}
