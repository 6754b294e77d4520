/** startGateway: the node:http server, its lifecycle and the dispatch between /v1, /v3 and /_control. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleChallenge } from './3ds/page.js';
import { answerChallengeRoute } from './control/commerce.js';
import { handleControl } from './control/index.js';
import { ownOrigins } from './control/guard.js';
import { ApiError, apiError, errorJson, unrecognizedUrl } from './errors.js';
import { FaultInjector } from './faults.js';
import { applyCors, preflight, sendJson } from './http.js';
import { IdempotencyStore } from './idempotency.js';
import { Store } from './ledger/store.js';
import { handleApi, type Outcome } from './pipeline.js';
import { shimScript } from './shim.js';
import { Webhooks } from './webhooks/dispatcher.js';
import type { Services } from './api/context.js';
import type { Faults, Gateway, GatewayOptions, LedgerEntry } from './types.js';

export const DEFAULT_PORT = 12111;

function logger(option: GatewayOptions['log']): ((line: string) => void) | null {
  if (typeof option === 'function') return option;
  if (option === true) return (line) => process.stderr.write(`${line}\n`);
  return null;
}

export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const cors = options.corsOrigins ?? '*';
  const log = logger(options.log);
  const faults = new FaultInjector(options.faults ?? {}, options.seed);
  const store = new Store();
  const keys = new IdempotencyStore(now);
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;
  /** Filled in once the port is known. */
  let own: ReadonlySet<string> = new Set();
  let baseUrl = '';

  const sleep = (ms: number): Promise<void> => {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  };

  const later = (ms: number, fn: () => void): void => {
    if (closing) return;
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const webhooks = new Webhooks({
    now,
    faults: () => faults.get(),
    seed: () => faults.get().seed ?? 0,
    retryMs: options.webhookRetryMs,
    log,
  });
  if (options.webhook) webhooks.configure(options.webhook.url, options.webhook.secret);

  const svc: Services = { store, webhooks, faults, nowSeconds: () => Math.floor(now() / 1000), later };

  const setFaults = (f: Partial<Faults>): Faults => {
    const next = faults.set(f);
    if (f.seed !== undefined) webhooks.reseed();
    return next;
  };

  const reset = (): void => {
    // Pending timers (PaymentIntents still processing) belong to the state being wiped.
    for (const t of timers) clearTimeout(t);
    timers.clear();
    store.clear();
    keys.clear();
    faults.reseed();
    webhooks.clear();
  };

  const deps = {
    store,
    keys,
    faults,
    now,
    sleep,
    // Nothing is written: the socket stays open until the client gives up or close() destroys it.
    hang: (_req: IncomingMessage) => {},
    svc,
    baseUrl: () => baseUrl,
  };

  async function dispatch(req: IncomingMessage, res: ServerResponse, method: string, path: string, query: string): Promise<Outcome> {
    if (path.startsWith('/_control/')) {
      await handleControl(req, res, path, { svc, setFaults, reset, ownOrigins: own });
      return { status: res.statusCode };
    }
    if (path.startsWith('/3ds/')) return { status: await handleChallenge(req, res, path, svc, own) };
    if (method === 'OPTIONS') {
      if (!path.startsWith('/v1/') && path !== '/v3') {
        sendJson(res, 404, errorJson(unrecognizedUrl(method, path)));
        return { status: 404 };
      }
      preflight(req, res, cors);
      return { status: 204 };
    }
    if (path === '/v3' || path === '/v3/') {
      applyCors(req, res, cors);
      if (method !== 'GET' && method !== 'HEAD') {
        sendJson(res, 405, errorJson(unrecognizedUrl(method, path)));
        return { status: 405 };
      }
      const script = shimScript();
      res.writeHead(200, {
        'Content-Type': 'application/javascript; charset=utf-8',
        'Content-Length': Buffer.byteLength(script),
        'Cache-Control': 'no-cache',
      });
      res.end(method === 'HEAD' ? undefined : script);
      return { status: 200 };
    }
    applyCors(req, res, cors);
    if (path.startsWith('/v1/') || path === '/v1') return handleApi(req, res, method, path, query, deps);
    sendJson(res, 404, errorJson(unrecognizedUrl(method, path)));
    return { status: 404 };
  }

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    dispatch(req, res, method, path, query).then(
      (outcome) => {
        if (log) {
          const status = outcome.status === 0 ? '---' : String(outcome.status);
          const ms = (performance.now() - started).toFixed(1);
          log(`${method} ${path} ${status} ${ms}ms${outcome.note ? ` ${outcome.note}` : ''}`);
        }
      },
      (err: unknown) => {
        if (closing) return;
        if (req.destroyed || res.destroyed) {
          // The client went away mid-request (e.g. aborted while sending the body): nothing to answer.
          if (log) log(`${method} ${path} --- client closed the connection`);
          return;
        }
        const e = err instanceof ApiError ? err : apiError('An unknown error occurred while processing your request.');
        sendJson(res, e.status, errorJson(e));
        if (log) log(`${method} ${path} ${e.status} internal error: ${(err as Error)?.stack ?? err}`);
      },
    );
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  own = ownOrigins(host, port);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  baseUrl = `http://${urlHost}:${port}`;

  return {
    url: baseUrl,
    port,
    host,
    setFaults: (f: Partial<Faults>) => {
      setFaults(f);
    },
    faults: () => faults.get(),
    ledger: (): LedgerEntry[] => store.ledger(),
    setWebhook: (url: string | null, secret?: string) => webhooks.configure(url, secret),
    webhook: () => webhooks.endpoint(),
    events: () => webhooks.events(),
    authenticate: (paymentIntentId: string, outcome: 'complete' | 'fail') => {
      answerChallengeRoute(svc, paymentIntentId, outcome);
    },
    reset,
    close: () => {
      if (closing) return Promise.resolve();
      closing = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      webhooks.close();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
