/**
 * npm run gateway -- [--port 12111] [--host 127.0.0.1] [--latency ms] [--jitter ms]
 *   [--error-500 share] [--error-429 share] [--hang share] [--reset share]
 *   [--lost-response share] [--seed n] [--quiet] [--help]
 * Env: GATEWAY_PORT, GATEWAY_HOST, GATEWAY_FAULTS (JSON, e.g. {"lostResponse":0.1}), GATEWAY_SEED.
 */
import { pathToFileURL } from 'node:url';
import { validateFaults } from './faults.ts';
import { DEFAULT_PORT, startGateway } from './server.ts';
import type { Faults, GatewayOptions } from './types.ts';

const USAGE = `Errand local payment gateway (Stripe-compatible subset)

Usage: npm run gateway -- [options]

  --port <n>             port to listen on (default ${DEFAULT_PORT}, env GATEWAY_PORT; 0 = random)
  --host <addr>          interface to bind (default 127.0.0.1, env GATEWAY_HOST)
  --latency <ms>         fixed delay added to every /v1 response
  --jitter <ms>          extra random delay, uniform in [0, ms)
  --error-500 <share>    share (0..1) of charge/refund POSTs answered 500 before executing
  --error-429 <share>    share answered 429 rate_limit before executing
  --hang <share>         share held open without an answer until the client gives up
  --reset <share>        share whose connection is reset before executing
  --lost-response <share> share executed and recorded, then the connection is destroyed
  --seed <n>             seed of the fault random source (reproducible faults)
  --quiet                no request log
  --help                 this text

Env GATEWAY_FAULTS takes the same faults as JSON, e.g. '{"lostResponse":0.2,"latencyMs":50}'.
Faults can be changed at run time: POST /_control/faults with a JSON body.`;

export class UsageError extends Error {}

const FAULT_FLAGS: Record<string, keyof Faults> = {
  '--latency': 'latencyMs',
  '--jitter': 'jitterMs',
  '--error-500': 'error500',
  '--error-429': 'error429',
  '--hang': 'hang',
  '--reset': 'reset',
  '--lost-response': 'lostResponse',
};

function number(flag: string, value: string | undefined): number {
  if (value === undefined || value.trim() === '' || Number.isNaN(Number(value))) throw new UsageError(`${flag} needs a number, got ${value === undefined ? 'nothing' : `'${value}'`}`);
  return Number(value);
}

function port(flag: string, value: string | undefined): number {
  const n = number(flag, value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be an integer from 0 to 65535`);
  return n;
}

export type CliOptions = (GatewayOptions & { help?: false }) | { help: true };

/** Parses flags and environment into gateway options; throws UsageError on anything wrong. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  const faults: Partial<Faults> = {};
  const options: GatewayOptions = { port: DEFAULT_PORT, host: env.GATEWAY_HOST || '127.0.0.1', log: true };
  if (env.GATEWAY_PORT) options.port = port('GATEWAY_PORT', env.GATEWAY_PORT);
  if (env.GATEWAY_FAULTS) {
    try {
      Object.assign(faults, validateFaults(JSON.parse(env.GATEWAY_FAULTS)));
    } catch (e) {
      throw new UsageError(`GATEWAY_FAULTS: ${(e as Error).message}`);
    }
  }
  if (env.GATEWAY_SEED) options.seed = number('GATEWAY_SEED', env.GATEWAY_SEED);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (flag === '--help' || flag === '-h') return { help: true };
    else if (flag === '--quiet') options.log = false;
    else if (flag === '--port') options.port = port(flag, value());
    else if (flag === '--host') {
      const v = value();
      if (!v) throw new UsageError('--host needs an address');
      options.host = v;
    } else if (flag === '--seed') options.seed = number(flag, value());
    else if (flag in FAULT_FLAGS) (faults as Record<string, number>)[FAULT_FLAGS[flag]] = number(flag, value());
    else throw new UsageError(`unknown option '${arg}'`);
  }
  try {
    options.faults = validateFaults(faults);
    if (options.seed !== undefined) validateFaults({ seed: options.seed });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return options;
}

async function main(): Promise<void> {
  let parsed: CliOptions;
  try {
    parsed = parseArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`gateway: ${e.message}\nRun with --help for the options.\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const gateway = await startGateway(parsed);
  const f = gateway.faults();
  const active = Object.entries(f).filter(([k, v]) => k !== 'seed' && v !== 0);
  process.stdout.write(`Errand gateway listening on ${gateway.url}\n`);
  process.stdout.write(`  Stripe.js stand-in: ${gateway.url}/v3   ledger: ${gateway.url}/_control/ledger\n`);
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e: unknown) => {
    process.stderr.write(`gateway: ${(e as Error).message ?? e}\n`);
    process.exit(1);
  });
}
