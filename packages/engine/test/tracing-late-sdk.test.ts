import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { createErrand, defineJob } from '../src/index.js';
import { unregisterOtel } from './helpers/otel.js';

/**
 * With `@opentelemetry/api` installed but no SDK registered, the engine skips span work (it costs
 * a SQLite burn-down about 5%, tracing.ts): nothing is stored with the job. An SDK the app
 * registers after createErrand (as many do: the engine is created at import) is still used from
 * then on: the enqueue's span and the attempt's span, its child. Its own file: it registers the
 * API's globals.
 */
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

afterAll(() => unregisterOtel(provider, contextManager));

it('traces nothing before an SDK is registered, and everything once one is, on the same client', async () => {
  const job = defineJob<{ n: number }>({ name: 'late', handler: async () => ({ ok: true }) });
  const errand = await createErrand({ databaseUrl: 'memory:', jobs: [job], logger: pino({ level: 'silent' }) });
  try {
    const before = await errand.enqueue(job, { n: 1 });
    await errand.drain();
    expect((await errand.getJob(before.id))?.state).toBe('completed');
    expect(exporter.getFinishedSpans()).toHaveLength(0);

    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());

    const request = trace.getTracer('test-app').startSpan('POST /buy');
    const after = await context.with(trace.setSpan(context.active(), request), () => errand.enqueue(job, { n: 2 }));
    request.end();
    await errand.drain();
    expect((await errand.getJob(after.id))?.state).toBe('completed');
    const byName = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
    const [enqueue] = byName('enqueue default');
    const [attempt] = byName('process default');
    expect(enqueue?.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(attempt?.parentSpanContext?.spanId).toBe(enqueue?.spanContext().spanId);
    expect(attempt?.spanContext().traceId).toBe(request.spanContext().traceId);
  } finally {
    await errand.close();
  }
});
