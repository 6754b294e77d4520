/**
 * Charge-creation throughput of the gateway on loopback, no faults.
 *   npm run bench:gateway -- [--requests 20000] [--concurrency 50] [--url http://127.0.0.1:12111]
 * Without --url the gateway runs in a child process, so the load generator does not share its event loop.
 * Each request is what the shop's worker sends: a charge with metadata and a fresh Idempotency-Key.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '2000' },
    url: { type: 'string' },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const WARMUP = Number(values.warmup);

async function startChild(): Promise<{ url: string; child: ChildProcess }> {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=@errand/source', '--import', 'tsx', cli, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return { url, child };
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function charge(base: URL, i: number): Promise<number> {
  const body = `amount=1999&currency=usd&source=tok_visa&description=bench&metadata[sale_guid]=sale-${i}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: '/v1/charges',
        agent,
        headers: {
          Authorization: 'Bearer sk_test_bench',
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
          'Idempotency-Key': `bench-${process.pid}-${i}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function load(base: URL, total: number, offset: number): Promise<{ latencies: Float64Array; errors: number; seconds: number }> {
  const latencies = new Float64Array(total);
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        const status = await charge(base, offset + i);
        latencies[i] = performance.now() - t0;
        if (status !== 200) errors++;
      }
    }),
  );
  return { latencies, errors, seconds: (performance.now() - started) / 1000 };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const own = values.url ? null : await startChild();
const base = new URL(values.url ?? own!.url);
try {
  await fetch(new URL('/_control/reset', base), { method: 'POST', headers: { 'Content-Type': 'application/json' } });
  await load(base, WARMUP, 0);
  const { latencies, errors, seconds } = await load(base, REQUESTS, WARMUP);
  const sorted = latencies.slice().sort();
  const ledger = (await (await fetch(new URL('/_control/ledger', base))).json()) as { charges: unknown[] };
  console.log(`gateway: ${base.origin} (${own ? 'child process' : 'external'}), node ${process.version}`);
  console.log(`charges: ${REQUESTS} over ${CONCURRENCY} keep-alive connections (after ${WARMUP} warm-up), errors: ${errors}`);
  console.log(`throughput: ${Math.round(REQUESTS / seconds)} charges/s  (${seconds.toFixed(2)} s)`);
  console.log(`latency: p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms`);
  console.log(`ledger: ${ledger.charges.length} charges recorded`);
  if (errors > 0 || ledger.charges.length !== REQUESTS + WARMUP) process.exitCode = 1;
} finally {
  agent.destroy();
  own?.child.kill('SIGTERM');
}
