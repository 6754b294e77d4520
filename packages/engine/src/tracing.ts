import type { NewJob } from './drivers/driver.js';
import type { ClaimedJob, EnqueuedJob } from './types.js';
import type { Outcome } from './worker/execute.js';

/**
 * OpenTelemetry, optional. `@opentelemetry/api` is an optional peer dependency: loaded once, with
 * a dynamic import, when a client is created; when it is not installed nothing here runs and
 * nothing is traced. The engine never depends on an SDK: the application registers one (a tracer
 * provider, a context manager, a propagator) and the API's globals route to it.
 *
 * - enqueue: a PRODUCER span per call (`enqueue <queue>`), a child of whatever span is active;
 *   its W3C trace context (traceparent/tracestate, through the API's propagator) is stored with
 *   each job it inserts (the trace_context column). No active SDK or propagator: nothing is
 *   injected and the column stays null.
 * - attempt: a CONSUMER span per attempt (`process <queue>`), the child of the stored context, so
 *   the attempt belongs to the enqueuing request's trace; the handler runs inside it, so spans
 *   it starts (an HTTP call) are its children. Outcome and attempt number are attributes; a failed
 *   attempt records its error and sets the status to ERROR.
 *
 * Attribute names follow OpenTelemetry's messaging semantic conventions (messaging.system,
 * messaging.destination.name, messaging.operation.type/name, messaging.message.id,
 * messaging.batch.message_count); what they do not cover is under `errand.job.*`.
 *
 * The published types never mention `@opentelemetry/api`: these small structural interfaces are
 * what the engine uses of it.
 */

interface OtelContext {
  readonly __context?: never;
}
interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setAttributes(attributes: Record<string, string | number | boolean>): unknown;
  recordException(exception: Error): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}
interface OtelTracer {
  startSpan(name: string, options: { kind: number; attributes: Record<string, string | number | boolean> }, context: OtelContext): OtelSpan;
}
/** What the engine uses of `@opentelemetry/api`. */
export interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
    getSpan(context: OtelContext): unknown;
    getTracerProvider(): unknown;
  };
  context: { active(): OtelContext; with<R>(context: OtelContext, fn: () => R): R };
  propagation: {
    inject(context: OtelContext, carrier: Record<string, string>): void;
    extract(context: OtelContext, carrier: Record<string, string>): OtelContext;
  };
  ROOT_CONTEXT: OtelContext;
  SpanKind: { PRODUCER: number; CONSUMER: number };
  SpanStatusCode: { ERROR: number };
}

const SYSTEM = 'errand';

/** The open span of one enqueue call. */
export interface EnqueueSpan {
  /** The jobs were written (or matched by their unique keys). */
  end(inserted: EnqueuedJob[]): void;
  /** The enqueue failed: record it, end the span. */
  fail(error: unknown): void;
}

/** The span of an enqueue when there is nothing to trace. */
const UNTRACED: EnqueueSpan = { end: () => {}, fail: () => {} };

export class Tracing {
  private readonly tracer: OtelTracer;
  /** A tracer provider (an SDK) was seen registered: from then on every call is traced. */
  private sdkSeen = false;

  constructor(private readonly api: OtelApi) {
    this.tracer = api.trace.getTracer('errand');
  }

  /**
   * Whether an SDK is registered. Without one every span is a no-op, yet making it (attributes,
   * contexts, a wrapper around the handler) costs about 5% of a SQLite burn-down: calls with no
   * parent to pass on skip it. The API's global provider is a proxy whose delegate is the SDK's
   * provider once one is registered (which may happen after createErrand); an SDK seen once is
   * assumed for good. A provider that is not the API's proxy counts as an SDK.
   */
  private live(): boolean {
    if (this.sdkSeen) return true;
    const provider = this.api.trace.getTracerProvider() as { getDelegateTracer?: (name: string) => unknown } | undefined;
    this.sdkSeen = typeof provider?.getDelegateTracer !== 'function' || provider.getDelegateTracer('errand') !== undefined;
    return this.sdkSeen;
  }

  /**
   * Start the span of an enqueue call and write its trace context into each row (left null when
   * the propagator injects nothing: no SDK registered). Rows that name their own parent
   * (`traceContext` option) get a span per distinct parent, a child of it; the others share one,
   * a child of the active span.
   */
  startEnqueue(rows: NewJob[]): EnqueueSpan {
    // No SDK: nothing records; only a parent to pass on (a propagator alone) needs the spans.
    if (!this.live() && !this.api.trace.getSpan(this.api.context.active()) && rows.every((r) => !r.traceParent)) return UNTRACED;
    const groups = new Map<string, number[]>();
    rows.forEach((r, i) => {
      const key = r.traceParent ? JSON.stringify(r.traceParent) : '';
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    const spans = [...groups].map(([key, at]) => ({ at, span: this.startGroup(rows, at, key ? (JSON.parse(key) as Record<string, string>) : null) }));
    return {
      end: (inserted) => {
        for (const { at, span } of spans) {
          if (at.length === 1 && inserted[at[0]]) {
            span.setAttributes({ 'messaging.message.id': String(inserted[at[0]].id), 'errand.job.inserted': inserted[at[0]].inserted });
          }
          span.end();
        }
      },
      fail: (error) => {
        const err = error instanceof Error ? error : new Error(String(error));
        for (const { span } of spans) {
          span.recordException(err);
          span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: err.message });
          span.end();
        }
      },
    };
  }

  private startGroup(all: NewJob[], at: number[], parentCarrier: Record<string, string> | null): OtelSpan {
    const { api } = this;
    const rows = at.map((i) => all[i]);
    const queue = sameOrUndefined(rows.map((r) => r.queue));
    const name = sameOrUndefined(rows.map((r) => r.name));
    const attributes: Record<string, string | number | boolean> = {
      'messaging.system': SYSTEM,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'enqueue',
    };
    if (queue !== undefined) attributes['messaging.destination.name'] = queue;
    if (name !== undefined) attributes['errand.job.name'] = name;
    if (rows.length > 1) attributes['messaging.batch.message_count'] = rows.length;
    const parent = parentCarrier ? api.propagation.extract(api.ROOT_CONTEXT, parentCarrier) : api.context.active();
    const span = this.tracer.startSpan(`enqueue ${queue ?? '(several queues)'}`, { kind: api.SpanKind.PRODUCER, attributes }, parent);
    const carrier: Record<string, string> = {};
    api.propagation.inject(api.trace.setSpan(parent, span), carrier);
    if (carrier.traceparent) {
      const text = JSON.stringify(carrier);
      for (const r of rows) r.traceContext = text;
    }
    return span;
  }

  /** Run one attempt inside its span: the child of the enqueuer's context when the job has one. */
  attempt(job: ClaimedJob, workerId: string, run: () => Promise<Outcome>): Promise<Outcome> {
    // Not async itself: an untraced attempt adds not even a promise.
    return !job.traceContext && !this.live() ? run() : this.tracedAttempt(job, workerId, run);
  }

  private async tracedAttempt(job: ClaimedJob, workerId: string, run: () => Promise<Outcome>): Promise<Outcome> {
    const { api } = this;
    const parent = job.traceContext ? api.propagation.extract(api.ROOT_CONTEXT, parseCarrier(job.traceContext)) : api.context.active();
    const span = this.tracer.startSpan(
      `process ${job.queue}`,
      {
        kind: api.SpanKind.CONSUMER,
        attributes: {
          'messaging.system': SYSTEM,
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.destination.name': job.queue,
          'messaging.message.id': String(job.id),
          'errand.job.name': job.name,
          'errand.job.attempt': job.attempt,
          'errand.job.max_attempts': job.maxAttempts,
          'errand.worker.id': workerId,
        },
      },
      parent,
    );
    try {
      const outcome = await api.context.with(api.trace.setSpan(parent, span), run);
      const ended = outcome.kind === 'success' ? 'completed' : outcome.kind === 'failure' ? outcome.next : outcome.kind;
      span.setAttribute('errand.job.outcome', ended);
      if (outcome.kind === 'failure') {
        span.recordException(outcome.error);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: outcome.error.message });
      }
      return outcome;
    } catch (err) {
      span.recordException(err instanceof Error ? err : new Error(String(err)));
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: String((err as Error)?.message ?? err) });
      throw err;
    } finally {
      span.end();
    }
  }
}

function sameOrUndefined(values: string[]): string | undefined {
  return values.every((v) => v === values[0]) ? values[0] : undefined;
}

/** A stored carrier; a malformed one (written by hand) is no parent at all, never an error. */
function parseCarrier(text: string): Record<string, string> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** How the API module is imported (replaceable in tests). */
export type OtelLoader = () => Promise<unknown>;

let loaded: Promise<OtelApi | null> | undefined;

/**
 * `@opentelemetry/api`, or null when it is not installed (or fails to load: tracing is never a
 * reason for the engine not to start). Imported once per process.
 */
export function loadOtel(load?: OtelLoader): Promise<OtelApi | null> {
  if (load) return importOtel(load);
  loaded ??= importOtel(() => import('@opentelemetry/api' as string));
  return loaded;
}

async function importOtel(load: OtelLoader): Promise<OtelApi | null> {
  try {
    const mod = (await load()) as Partial<OtelApi> & { default?: Partial<OtelApi> };
    const api = mod.trace && mod.propagation ? mod : mod.default;
    return api?.trace && api.propagation && api.context && api.SpanKind ? (api as OtelApi) : null;
  } catch {
    return null;
  }
}
