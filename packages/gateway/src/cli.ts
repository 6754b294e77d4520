/**
 * errand-gateway (npm run gateway --) [--port 12111] [--host 127.0.0.1] [--latency ms] [--jitter ms]
 *   [--error-500 share] [--error-429 share] [--hang share] [--reset share]
 *   [--lost-response share] [--processing ms] [--webhook-url url] [--webhook-secret whsec_…]
 *   [--webhook-duplicate share] [--webhook-reorder share] [--webhook-drop share] [--webhook-delay ms]
 *   [--seed n] [--quiet] [--help] [--version]
 * Env: GATEWAY_PORT, GATEWAY_HOST, GATEWAY_FAULTS (JSON, e.g. {"lostResponse":0.1}), GATEWAY_SEED.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs as parseFlags } from 'node:util';
import { validateFaults } from './faults.js';
import { DEFAULT_PORT, startGateway } from './server.js';
import type { Faults, GatewayOptions } from './types.js';

const USAGE = `Errand local payment gateway (Stripe-compatible subset)

Usage: errand-gateway [options]   (in the repository: npm run gateway -- [options])

  --port <n>             port to listen on (default ${DEFAULT_PORT}, env GATEWAY_PORT; 0 = random)
  --host <addr>          interface to bind (default 127.0.0.1, env GATEWAY_HOST)
  --latency <ms>         fixed delay added to every /v1 response
  --jitter <ms>          extra random delay, uniform in [0, ms)
  --error-500 <share>    share (0..1) of charge/refund/PaymentIntent POSTs answered 500 before executing
  --error-429 <share>    share answered 429 rate_limit before executing
  --hang <share>         share held open without an answer until the client gives up
  --reset <share>        share whose connection is reset before executing
  --lost-response <share> share executed and recorded, then the connection is destroyed
  --processing <ms>      how long a confirmed PaymentIntent stays 'processing' (default 0)
  --webhook-url <url>    send webhook events to this endpoint (or POST /_control/webhooks)
  --webhook-secret <s>   its signing secret (whsec_…; made up and printed when omitted)
  --webhook-duplicate <share> share of events delivered twice
  --webhook-reorder <share>   share of events held back and sent after the next one
  --webhook-drop <share>      share of events whose first attempt is dropped (then redelivered)
  --webhook-delay <ms>   each event's first delivery waits a random time in [0, ms)
  --seed <n>             seed of the fault random source (reproducible faults)
  --quiet                no request log
  -h, --help             this text
  -v, --version          the version

Env GATEWAY_FAULTS takes the same faults as JSON, e.g. '{"lostResponse":0.2,"latencyMs":50}'.
Faults can be changed at run time: POST /_control/faults with a JSON body.`;

export class UsageError extends Error {}

const FAULT_FLAGS = {
  latency: 'latencyMs',
  jitter: 'jitterMs',
  'error-500': 'error500',
  'error-429': 'error429',
  hang: 'hang',
  reset: 'reset',
  'lost-response': 'lostResponse',
  processing: 'processingMs',
  'webhook-duplicate': 'webhookDuplicate',
  'webhook-reorder': 'webhookReorder',
  'webhook-drop': 'webhookDrop',
  'webhook-delay': 'webhookDelayMs',
} as const satisfies Record<string, keyof Faults>;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  seed: { type: 'string' },
  'webhook-url': { type: 'string' },
  'webhook-secret': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  ...(Object.fromEntries(Object.keys(FAULT_FLAGS).map((f) => [f, { type: 'string' }])) as Record<keyof typeof FAULT_FLAGS, { type: 'string' }>),
} as const;

function number(flag: string, value: string | undefined): number {
  if (value === undefined || value.trim() === '' || Number.isNaN(Number(value))) throw new UsageError(`${flag} needs a number, got ${value === undefined ? 'nothing' : `'${value}'`}`);
  return Number(value);
}

function port(flag: string, value: string | undefined): number {
  const n = number(flag, value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be an integer from 0 to 65535`);
  return n;
}

export type CliOptions = (GatewayOptions & { help?: false; version?: false }) | { help: true } | { version: true };

/** Parses flags and environment into gateway options; throws UsageError on anything wrong. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };
  try {
    values = parseFlags({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    // A value-taking flag at the end has no value: say so the way the other checks do.
    const missing = /Option '(--[a-z0-9-]+)[^']*' argument missing/.exec((e as Error).message);
    if (missing) throw new UsageError(`${missing[1]} needs a value, got nothing`);
    throw new UsageError((e as Error).message.replace(/\. To specify.*$/s, ''));
  }
  if (values.help) return { help: true };
  if (values.version) return { version: true };
  const faults: Partial<Faults> = {};
  const options: GatewayOptions = { port: DEFAULT_PORT, host: env.GATEWAY_HOST || '127.0.0.1', log: !values.quiet };
  if (env.GATEWAY_PORT) options.port = port('GATEWAY_PORT', env.GATEWAY_PORT);
  if (env.GATEWAY_FAULTS) {
    try {
      Object.assign(faults, validateFaults(JSON.parse(env.GATEWAY_FAULTS)));
    } catch (e) {
      throw new UsageError(`GATEWAY_FAULTS: ${(e as Error).message}`);
    }
  }
  if (env.GATEWAY_SEED) options.seed = number('GATEWAY_SEED', env.GATEWAY_SEED);
  if (values.port !== undefined) options.port = port('--port', values.port);
  if (values.host !== undefined) {
    if (!values.host) throw new UsageError('--host needs an address');
    options.host = values.host;
  }
  if (values.seed !== undefined) options.seed = number('--seed', values.seed);
  const webhookUrl = values['webhook-url'];
  const webhookSecret = values['webhook-secret'];
  if (webhookSecret !== undefined && webhookUrl === undefined) throw new UsageError('--webhook-secret needs --webhook-url');
  if (webhookUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(webhookUrl);
    } catch {
      throw new UsageError(`--webhook-url needs an http(s) URL, got '${webhookUrl}'`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--webhook-url needs an http(s) URL, got '${webhookUrl}'`);
    if (webhookSecret === '') throw new UsageError('--webhook-secret needs a value');
    options.webhook = { url: url.href, ...(webhookSecret ? { secret: webhookSecret } : {}) };
  }
  for (const [flag, key] of Object.entries(FAULT_FLAGS)) {
    const v = values[flag as keyof typeof FAULT_FLAGS];
    if (v !== undefined) faults[key] = number(`--${flag}`, v);
  }
  try {
    options.faults = validateFaults(faults);
    if (options.seed !== undefined) validateFaults({ seed: options.seed });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return options;
}

/** The package's version (package.json sits one level above src/ and dist/ alike). */
export function version(): string {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

/** `errand-gateway` / `npm run gateway`: start the gateway and stop it on SIGINT/SIGTERM. */
export async function main(argv: string[]): Promise<void> {
  let parsed: CliOptions;
  try {
    parsed = parseArgs(argv, process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`errand-gateway: ${e.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if ('help' in parsed && parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if ('version' in parsed && parsed.version) {
    process.stdout.write(`${version()}\n`);
    return;
  }
  const gateway = await startGateway(parsed);
  const f = gateway.faults();
  const active = Object.entries(f).filter(([k, v]) => k !== 'seed' && v !== 0);
  process.stdout.write(`Errand gateway listening on ${gateway.url}\n`);
  process.stdout.write(`  Stripe.js stand-in: ${gateway.url}/v3   ledger: ${gateway.url}/_control/ledger\n`);
  const hook = gateway.webhook();
  if (hook) {
    // Like `stripe listen`, a made-up secret is printed once so the shop can be given it; a given one never is.
    const given = 'webhook' in parsed && parsed.webhook?.secret !== undefined;
    process.stdout.write(`  webhooks: ${hook.url} (signing secret ${given ? 'from --webhook-secret' : hook.secret})\n`);
  }
  process.stdout.write(`  faults: ${active.length ? active.map(([k, v]) => `${k}=${v}`).join(' ') : 'none'} (seed ${f.seed})\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`gateway: ${signal}, closing\n`);
    gateway.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** main() with its failure printed as one line and exit code 1 (what the bin runs). */
export function runCli(argv: string[]): void {
  main(argv).catch((e: unknown) => {
    process.stderr.write(`errand-gateway: ${(e as Error)?.message ?? e}\n`);
    process.exit(1);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli(process.argv.slice(2));
