/**
 * OpenTelemetry in the shop, on @opentelemetry/api only: with no SDK registered by the process
 * (the usual case) every call here is a no-op and nothing is recorded.
 *
 * POST /buy and its charge job are one trace: the request runs in a span (the one an HTTP
 * instrumentation already started, or one started here), and its context is captured as a W3C
 * carrier and passed to the charge job's enqueue as `traceContext`. The carrier, not the active
 * context, because the stores commit sales in groups (several requests' sales and jobs in one
 * transaction, one enqueueMany): the enqueue then runs in whichever request's context started the
 * group, and each job must still join its own request's trace.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { TraceCarrier } from 'errand';

const tracer = trace.getTracer('errand-shop');

/** Run `fn` in the request's span: the active one if there is one, else a new SERVER span. */
export async function inRequestSpan<T>(name: string, attributes: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  if (trace.getActiveSpan()) return fn();
  return tracer.startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The active trace context as a carrier for `enqueue(…, { traceContext })`; undefined when untraced. */
export function currentTraceContext(): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}
