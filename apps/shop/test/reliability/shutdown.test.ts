/**
 * Graceful shutdown, with the real entry points as child processes.
 *
 * Worker: 200 sales, a worker process with concurrency 100 and the gateway at 1.5 s latency.
 * Once 100 charges have reached the gateway, SIGTERM: the worker finishes those (recorded:
 * their sales are finished), hands back the 100 it had claimed but not started, and exits 0. A
 * second worker does the rest. The ledger: exactly one successful charge per sale, none twice,
 * and no job ran more than once.
 *
 * Web: 20 POST /buy requests whose bodies are half sent; SIGTERM; new connections are refused at
 * once; the 20 finish (200, and their sales exist); exit 0.
 */
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestToken, type Gateway, startGateway } from '@errand/gateway';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeb, startWorker } from '../../chaos/processes.js';
import { CHARGE_JOB } from '../../src/jobs/charge.js';
import { LOCAL_SECRET_KEY } from '../../src/config.js';
import { seedDemoProducts } from '../../src/db/seed.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import { placeOrder } from '../../src/sales/place-order.js';
import { testDatabaseUrl } from '../helpers.js';

/** An HTTP proxy in front of the gateway that counts charge requests as they arrive. */
async function countingProxy(target: string): Promise<{ url: string; charges: () => number; reached(n: number): Promise<void>; close(): Promise<void> }> {
  const t = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 500 });
  let charges = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    // Each sale's charge is one PaymentIntent, created and confirmed in one request.
    if (req.method === 'POST' && req.url === '/v1/payment_intents') {
      charges++;
      for (const w of waiters.filter((w) => charges >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
    const up = http.request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers, agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    charges: () => charges,
    reached: (n) => (charges >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      agent.destroy();
    },
  };
}

/** Resolves when `check` is true (checked every 100 ms), or rejects after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('graceful shutdown', () => {
  let gateway: Gateway;
  let db: { url: string; drop(): Promise<void> };
  let rt: Runtime;
  const logDir = mkdtempSync(join(tmpdir(), 'shop-shutdown-'));

  beforeAll(async () => {
    gateway = await startGateway({ port: 0, seed: 3 });
    db = await testDatabaseUrl('sqlite');
    rt = await startRuntime({
      databaseUrl: db.url,
      stripe: { secretKey: LOCAL_SECRET_KEY, apiBase: gateway.url, timeoutMs: 10_000 },
      charge: { maxAttempts: 5, backoffBaseMs: 100, backoffMaxMs: 1000 },
      logger: pino({ level: 'silent' }),
    });
    await seedDemoProducts(rt.store);
  });
  afterAll(async () => {
    await rt?.close();
    await gateway?.close();
    await db?.drop();
  });

  const chargeJobs = async (state: 'available' | 'completed') =>
    (await rt.errand.admin.listJobs({ state, limit: 500 })).jobs.filter((j) => j.name === CHARGE_JOB).length;

  it('worker: SIGTERM with 100 charges in flight finishes them, hands back the rest, exits 0; another worker finishes the rest, none twice', async () => {
    const product = (await rt.store.getProduct('field-guide'))!;
    const tokens = await Promise.all(Array.from({ length: 200 }, () => createTestToken(gateway.url)));
    const guids: string[] = [];
    for (const [i, stripeToken] of tokens.entries()) {
      const placed = await placeOrder(rt, { product, email: `shutdown+${i}@example.com`, stripeToken, formKey: null });
      guids.push(placed.guid);
    }
    gateway.setFaults({ latencyMs: 1500 });
    const proxy = await countingProxy(gateway.url);
    const env = { DATABASE_URL: db.url, STRIPE_API_BASE: proxy.url, STRIPE_TIMEOUT_MS: '10000', WORKER_QUEUES: 'payments=100', CHARGE_BACKOFF_MS: '100' };
    try {
      const first = await startWorker('worker-a', env, join(logDir, 'worker-a.log'));
      await proxy.reached(100);
      const inFlight = proxy.charges();
      expect(gateway.ledger()).toHaveLength(0); // all 100 still waiting on the gateway's latency
      first.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      // What finished is recorded: each charge made has its sale finished; nothing is left running.
      const ledger1 = gateway.ledger();
      expect(ledger1.length).toBe(inFlight);
      expect(ledger1.length).toBe(100);
      const afterFirst = await rt.store.countSales();
      expect(afterFirst.finished).toBe(ledger1.length);
      expect(afterFirst.processing).toBe(0);
      const states = await rt.errand.admin.stateCounts();
      expect(Number(states.running ?? 0)).toBe(0);
      // Charge jobs only: the reconcile job's next tick (every 5 min of the wall clock) may fall due meanwhile.
      expect(await chargeJobs('available')).toBe(200 - ledger1.length);
      expect(first.lines().some((l) => l.msg === 'shutting down gracefully')).toBe(true);

      // A second worker does the rest.
      gateway.setFaults({ latencyMs: 0 });
      const second = await startWorker('worker-b', env, join(logDir, 'worker-b.log'));
      await until('every sale to be finished', async () => (await rt.store.countSales()).finished === 200);
      await until('every charge job to be completed', async () => (await chargeJobs('completed')) === 200);
      second.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      const ledger = gateway.ledger();
      expect(ledger).toHaveLength(200);
      const perSale = new Map<string, number>();
      for (const c of ledger) {
        expect(c.status).toBe('succeeded');
        perSale.set(c.metadata.sale_guid, (perSale.get(c.metadata.sale_guid) ?? 0) + 1);
      }
      expect([...perSale.keys()].sort()).toEqual([...guids].sort());
      expect([...perSale.values()].every((n) => n === 1)).toBe(true);
      // None ran twice: a handed-back job is not counted as an attempt.
      for (const guid of guids.slice(0, 20)) {
        const sale = (await rt.store.getSale(guid))!;
        const job = (await rt.errand.admin.getJob(sale.chargeJobId!))!;
        expect(job.state).toBe('completed');
        expect(job.attempt).toBe(1);
      }
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('web: SIGTERM stops accepting, finishes the requests in flight, exits 0', async () => {
    gateway.setFaults({ latencyMs: 0 });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => createTestToken(gateway.url)));
    const { web, url } = await startWeb(
      { DATABASE_URL: db.url, STRIPE_API_BASE: gateway.url, RATE_LIMIT_PER_MINUTE: '0', ERRAND_CONSOLE_PASSWORD: 'shutdown-test' },
      join(logDir, 'web.log'),
    );
    const port = Number(new URL(url).port);
    const before = (await rt.store.countSales()).pending;

    // 20 purchases, each with half of its body sent.
    const pending = tokens.map((token, i) => {
      const body = Buffer.from(JSON.stringify({ stripeToken: token, email: `web-shutdown+${i}@example.com` }));
      const req = http.request({ host: '127.0.0.1', port, path: '/buy/field-guide', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length }, agent: false });
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
      });
      req.write(body.subarray(0, body.length >> 1));
      return { req, rest: body.subarray(body.length >> 1), answer };
    });
    await web.waitFor(() => web.lines().filter((l) => l.msg === 'incoming request' && l.req?.method === 'POST').length >= 20);

    web.kill('SIGTERM');
    // New connections are refused once it stops listening.
    await until('the port to refuse connections', () => new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    }), 10_000);
    expect(web.proc.exitCode).toBe(null); // still finishing the 20

    for (const p of pending) p.req.end(p.rest);
    const answers = await Promise.all(pending.map((p) => p.answer));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(await web.exited).toBe(0);
    for (const a of answers) {
      const { guid } = JSON.parse(a.body) as { guid: string };
      expect(await rt.store.getSale(guid)).toMatchObject({ guid, state: 'pending' });
    }
    expect((await rt.store.countSales()).pending).toBe(before + 20);
  }, 60_000);
});
