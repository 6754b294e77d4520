import type { Errand } from 'errand';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { constantTimeEqual } from '#web';
import { COUNT_CAP } from './deps.js';
import type { ConsoleSection } from './sections.js';

export interface MetricsOptions {
  errand: Errand;
  /** The console's host sections: their `gauges` are read at each scrape too (the shop's errand_sales). */
  sections?: readonly ConsoleSection[];
  /** Default '/metrics'. */
  path?: string;
  /** Bearer token Prometheus must send. Default env ERRAND_METRICS_TOKEN; unset → loopback clients only. */
  token?: string;
}

/**
 * Prometheus metrics (text format, prom-client, one Registry per call: nothing global).
 *
 * From the database, true for every process, read at each scrape (bounded queries):
 *   errand_queue_jobs{queue,state}            unfinished jobs per queue and state (exact)
 *   errand_queue_latency_seconds{queue}       age of the oldest job that could run now
 *   errand_queue_paused{queue}                1 when paused
 *   errand_queue_concurrency{queue}           summed concurrency of live workers
 *   errand_queue_processed_last_hour{queue}   jobs succeeded in the last hour (workers' counters)
 *   errand_queue_failed_last_hour{queue}      attempts failed in the last hour
 *   errand_jobs_by_state{state}               jobs per state, capped at 10,000 (COUNT_CAP; a value at the cap means at least that many)
 *   errand_workers_alive                      workers heard from in the last minute
 *   …and each host section's gauges (the shop: errand_sales{state}, sales per state)
 * From this process's events (only jobs run by workers in this process; since it started):
 *   errand_jobs_processed_total{queue,name}   attempts that succeeded
 *   errand_jobs_failed_total{queue,name}      attempts that failed
 *   errand_job_duration_seconds{queue,name,outcome}  handler run time (histogram)
 *   errand_job_latency_seconds{queue,name}    from when a job could run to when it started (histogram)
 */
export function createMetrics(opts: Omit<MetricsOptions, 'path' | 'token'>): { registry: Registry; refresh(): Promise<void>; close(): void } {
  const { errand } = opts;
  const registry = new Registry();
  const registers = [registry];
  const queueJobs = new Gauge({ name: 'errand_queue_jobs', help: 'Unfinished jobs per queue and state (exact).', labelNames: ['queue', 'state'], registers });
  const latency = new Gauge({ name: 'errand_queue_latency_seconds', help: 'Age of the oldest job that could run now, per queue.', labelNames: ['queue'], registers });
  const paused = new Gauge({ name: 'errand_queue_paused', help: '1 when the queue is paused.', labelNames: ['queue'], registers });
  const concurrency = new Gauge({ name: 'errand_queue_concurrency', help: 'Summed concurrency of live workers serving the queue.', labelNames: ['queue'], registers });
  const hourOk = new Gauge({ name: 'errand_queue_processed_last_hour', help: 'Jobs succeeded in the last hour, all processes (per-minute counters).', labelNames: ['queue'], registers });
  const hourFail = new Gauge({ name: 'errand_queue_failed_last_hour', help: 'Attempts failed in the last hour, all processes (per-minute counters).', labelNames: ['queue'], registers });
  const byState = new Gauge({ name: 'errand_jobs_by_state', help: `Jobs per state, each capped at ${COUNT_CAP} (a value at the cap means at least that many).`, labelNames: ['state'], registers });
  const workers = new Gauge({ name: 'errand_workers_alive', help: 'Workers heard from in the last minute.', registers });
  const extra = (opts.sections ?? []).flatMap((s) => s.gauges ?? []).map((g) => ({ read: () => g.read(), gauge: new Gauge({ name: g.name, help: g.help, labelNames: [...(g.labelNames ?? [])], registers }) }));

  const processed = new Counter({ name: 'errand_jobs_processed_total', help: 'Attempts that succeeded, run by workers in this process since it started.', labelNames: ['queue', 'name'], registers });
  const failed = new Counter({ name: 'errand_jobs_failed_total', help: 'Attempts that failed, run by workers in this process since it started.', labelNames: ['queue', 'name'], registers });
  const duration = new Histogram({
    name: 'errand_job_duration_seconds',
    help: 'Handler run time of attempts run in this process.',
    labelNames: ['queue', 'name', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const startLatency = new Histogram({
    name: 'errand_job_latency_seconds',
    help: 'From when a job could run (enqueue or run_at) to when its attempt started, for attempts started in this process.',
    labelNames: ['queue', 'name'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers,
  });
  const offs = [
    errand.on('job:success', (e) => {
      processed.inc({ queue: e.job.queue, name: e.job.name });
      duration.observe({ queue: e.job.queue, name: e.job.name, outcome: 'success' }, e.durationMs / 1000);
    }),
    errand.on('job:failure', (e) => {
      failed.inc({ queue: e.job.queue, name: e.job.name });
      duration.observe({ queue: e.job.queue, name: e.job.name, outcome: 'failure' }, e.durationMs / 1000);
    }),
    errand.on('job:start', (e) => startLatency.observe({ queue: e.job.queue, name: e.job.name }, Math.max(0, e.latencyMs) / 1000)),
  ];

  async function refresh(): Promise<void> {
    const admin = errand.admin;
    const [queues, hour, counts, alive, extraValues] = await Promise.all([
      admin.queues(),
      admin.throughputByQueue(3_600_000),
      admin.stateCounts(COUNT_CAP),
      admin.workers(),
      Promise.all(extra.map((e) => e.read())),
    ]);
    for (const g of [queueJobs, latency, paused, concurrency, hourOk, hourFail]) g.reset();
    for (const q of queues) {
      for (const state of ['scheduled', 'available', 'running', 'retryable'] as const) queueJobs.set({ queue: q.queue, state }, q[state]);
      latency.set({ queue: q.queue }, q.latencyMs / 1000);
      paused.set({ queue: q.queue }, q.paused ? 1 : 0);
      concurrency.set({ queue: q.queue }, q.concurrency);
    }
    for (const h of hour) {
      hourOk.set({ queue: h.queue }, Number(h.processed));
      hourFail.set({ queue: h.queue }, Number(h.failed));
    }
    for (const [state, n] of Object.entries(counts)) byState.set({ state }, n);
    workers.set(alive.length);
    extra.forEach(({ gauge }, i) => {
      gauge.reset();
      for (const v of extraValues[i]) gauge.set(v.labels ?? {}, v.value);
    });
  }

  return { registry, refresh, close: () => {
      for (const off of offs) off();
    },
  };
}

/**
 * `GET /metrics` (or `path`) on `app` itself, not under the console's prefix, so Prometheus
 * finds it at the root. Access: with a token (option or ERRAND_METRICS_TOKEN) the scrape must
 * send `Authorization: Bearer <token>`. Without one, only clients on this machine are answered,
 * judged by the address the app's trustProxy rules yield: behind a trusted proxy every hop
 * (the proxy, and the client it forwarded) must be loopback, so a proxy on the same host does
 * not make its clients local. With NODE_ENV=production the token is required.
 */
export function registerMetrics(app: FastifyInstance, opts: MetricsOptions): void {
  const metrics = createMetrics(opts);
  const token = opts.token ?? process.env.ERRAND_METRICS_TOKEN ?? '';
  const production = process.env.NODE_ENV === 'production';
  app.addHook('onClose', async () => metrics.close());
  app.get(opts.path ?? '/metrics', async (request, reply) => {
    const denied = checkAccess(request, token, production);
    if (denied) {
      if (denied === 401) reply.header('www-authenticate', 'Bearer realm="errand metrics"');
      const message =
        denied === 401
          ? 'metrics: send Authorization: Bearer <ERRAND_METRICS_TOKEN>\n'
          : production
            ? 'metrics: set ERRAND_METRICS_TOKEN (required with NODE_ENV=production)\n'
            : 'metrics: only local clients without ERRAND_METRICS_TOKEN\n';
      return reply.code(denied).type('text/plain; charset=utf-8').send(message);
    }
    await metrics.refresh();
    return reply.header('cache-control', 'no-store').type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/** The socket's peer and every hop the trustProxy rules believe (request.ips), or the peer alone. */
function hops(request: FastifyRequest): string[] {
  const peer = request.socket.remoteAddress ?? '';
  const ips = request.ips;
  return ips && ips.length > 0 ? [peer, ...ips] : [peer, request.ip];
}

function checkAccess(request: FastifyRequest, token: string, production: boolean): 0 | 401 | 403 {
  if (token) {
    return constantTimeEqual(String(request.headers.authorization ?? ''), `Bearer ${token}`) ? 0 : 401;
  }
  if (production) return 403;
  return hops(request).every((a) => LOOPBACK.test(a)) ? 0 : 403;
}
