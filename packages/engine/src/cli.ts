import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createErrand } from './client.js';
import { ErrandError } from './errors.js';
import type { JobDefinition } from './job.js';
import type { ScheduleDefinition } from './schedules/schedule.js';
import { JOB_STATES } from './types.js';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, redact } from './url.js';
import { stopOnSignals } from './signals.js';
import { parseQueues } from './worker/worker.js';

const HELP: Record<string, string> = {
  main: `errand — durable background jobs

Usage: errand <command> [options]

Commands:
  worker    run jobs from a module of job definitions
  migrate   apply pending migrations and exit
  stats     print job counts by queue and state

Every command takes --database-url (default: $DATABASE_URL, else ${DEFAULT_DATABASE_URL}).
Run "errand <command> --help" for its options; "errand --version" prints the version.
The web console is the errand-console command of the @errand/console package.`,
  worker: `errand worker — run jobs

Usage: errand worker --jobs <module> [options]

Options:
  --jobs <path>              module exporting job definitions (defineJob results) and schedules
                             (defineSchedule results), named or default (an array or an object of
                             them); repeatable
  --queue <name=n,...>       queues and their concurrency, e.g. payments=10,default=5 (default: default=10); repeatable
  --database-url <url>       sqlite:./file.db | postgres://… | redis://… | memory:
  --lease <ms>               lease of a running job; renewed every third of it (default 15000)
  --shutdown-timeout <ms>    on SIGTERM, how long running jobs may finish before release (default 10000)
  --prefetch <n>             jobs claimed ahead of free slots per queue (default: the concurrency)
  --poll <ms>                poll interval when no wake-up arrives (default 2000 with wake-ups: PostgreSQL, a SQLite file; 100 otherwise)
  -h, --help`,
  migrate: `errand migrate — apply pending migrations

Usage: errand migrate [--database-url <url>]`,
  stats: `errand stats — job counts by queue and state

Usage: errand stats [--database-url <url>] [--json]`,
};

class UsageError extends Error {}

/** The package's version (package.json sits one level above src/ and dist/ alike). */
function version(): string {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

function usage(message: string): never {
  throw new UsageError(message);
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) usage(`${flag} must be a positive whole number, got ${JSON.stringify(v)}`);
  return n;
}

type Flags = Record<string, string | boolean | string[] | undefined>;

function parse(command: string, args: string[], options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>): Flags {
  try {
    return parseArgs({ args, options: { ...options, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values as Flags;
  } catch (err) {
    usage(`${(err as Error).message.replace(/\. To specify.*$/s, '')}\nRun "errand ${command} --help" for the options.`);
  }
}

function databaseUrl(v: unknown): string {
  const url = (v as string | undefined) ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  parseDatabaseUrl(url); // fail early with the accepted forms
  return url;
}

async function loadJobs(paths: string[]): Promise<{ jobs: JobDefinition<any>[]; schedules: ScheduleDefinition<any>[] }> {
  const jobs: JobDefinition<any>[] = [];
  const schedules: ScheduleDefinition<any>[] = [];
  const collect = (v: unknown) => {
    if (v && typeof v === 'object' && (v as JobDefinition).kind === 'errand.job') jobs.push(v as JobDefinition);
    else if (v && typeof v === 'object' && (v as ScheduleDefinition).kind === 'errand.schedule') schedules.push(v as ScheduleDefinition);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach(collect);
  };
  for (const p of paths) {
    const mod = await import(pathToFileURL(resolve(p)).href).catch((err) => usage(`cannot load --jobs ${p}: ${(err as Error).message}`));
    Object.values(mod).forEach(collect);
  }
  if (jobs.length === 0 && schedules.length === 0) usage(`no job definitions exported by ${paths.join(', ')} (export the results of defineJob)`);
  return { jobs: [...new Set(jobs)], schedules: [...new Set(schedules)] };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP.main);
    return;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    console.log(version());
    return;
  }
  if (command === 'console') usage('the console is its own command now: npx errand-console --database-url … (npm install @errand/console)');
  if (!HELP[command] || command === 'main') usage(`unknown command ${JSON.stringify(command)}; one of worker, migrate, stats`);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(HELP[command]);
    return;
  }
  if (command === 'worker') {
    const o = parse(command, rest, {
      jobs: { type: 'string', multiple: true }, queue: { type: 'string', multiple: true }, lease: { type: 'string' },
      'shutdown-timeout': { type: 'string' }, prefetch: { type: 'string' }, poll: { type: 'string' },
    });
    if (!(o.jobs as string[] | undefined)?.length) usage('--jobs <module> is required: the module that exports your job definitions');
    const queues = parseQueues(((o.queue as string[] | undefined) ?? ['default=10']).join(','));
    const url = databaseUrl(o['database-url']);
    const { jobs, schedules } = await loadJobs(o.jobs as string[]);
    const errand = await createErrand({ databaseUrl: url, jobs, schedules });
    const worker = errand.worker({
      queues,
      leaseMs: positiveInt('--lease', o.lease as string | undefined),
      shutdownTimeoutMs: positiveInt('--shutdown-timeout', o['shutdown-timeout'] as string | undefined),
      prefetch: positiveInt('--prefetch', o.prefetch as string | undefined),
      pollMs: positiveInt('--poll', o.poll as string | undefined),
    });
    stopOnSignals(errand, [worker]);
    await worker.start();
    errand.logger.info({ workerId: worker.id, database: redact(url), jobs: jobs.map((j) => j.name), schedules: schedules.map((x) => x.name) }, 'worker ready');
    return;
  }
  if (command === 'migrate') {
    const o = parse(command, rest, {});
    const url = databaseUrl(o['database-url']);
    const errand = await createErrand({ databaseUrl: url, migrate: false });
    const applied = await errand.migrate();
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'nothing to apply: up to date');
    await errand.close();
    return;
  }
  if (command === 'stats') {
    const o = parse(command, rest, { json: { type: 'boolean' } });
    const errand = await createErrand({ databaseUrl: databaseUrl(o['database-url']) });
    const [totals, queues] = await Promise.all([errand.admin.stateCounts(), errand.admin.queues()]);
    await errand.close();
    if (o.json) {
      console.log(JSON.stringify({ totals, queues }, null, 2));
      return;
    }
    const rows = queues.map((q) => [q.queue, q.scheduled, q.available, q.running, q.retryable, `${q.latencyMs} ms`, q.paused ? 'paused' : '']);
    console.log(table(['queue', 'scheduled', 'available', 'running', 'retryable', 'latency', ''], rows));
    console.log();
    console.log(table([...JOB_STATES], [JOB_STATES.map((s) => totals[s])]));
    return;
  }
}

function table(head: string[], rows: unknown[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof UsageError || err instanceof ErrandError) {
    console.error(`errand: ${err.message}`);
    process.exit(2);
  }
  console.error(`errand: ${(err as Error)?.message ?? err}`);
  process.exit(1);
});
