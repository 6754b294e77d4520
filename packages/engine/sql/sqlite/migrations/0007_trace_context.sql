-- trace_context: the enqueuing request's W3C trace context ({"traceparent": …, "tracestate": …}
-- as text), written only when OpenTelemetry is installed and a span was active at enqueue, so
-- the attempt's span can be its child. NULL otherwise; adding a nullable column rewrites nothing.
ALTER TABLE errand_jobs ADD COLUMN trace_context TEXT;
