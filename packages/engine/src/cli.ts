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
  stats     print job counts by queue and state, and the rate limits

Every command takes --database-url (default: $DATABASE_URL, else ${DEFAULT_DATABASE_URL}) and, on
PostgreSQL, --schema <name> (the schema of the jobs tables; or ?schema=<name> in the URL).
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
  --schema <name>            PostgreSQL: the schema of the jobs tables (or ?schema= in the URL)
  --lease <ms>               lease of a running job; renewed every third of it (default 15000)
  --shutdown-timeout <ms>    on SIGTERM, how long running jobs may finish before release (default 10000)
  --prefetch <n>             jobs claimed ahead of free slots per queue (default: the concurrency)
  --poll <ms>                poll interval when no wake-up arrives (default 2000 with wake-ups: PostgreSQL, a SQLite file; 100 otherwise)
  --outbox <url>             the app's database (sqlite:… | postgres://…) whose errand_outbox this worker relays
                             into --database-url (default: $ERRAND_OUTBOX_URL; none)
  -h, --help`,
  migrate: `errand migrate — apply pending migrations

Usage: errand migrate [--database-url <url>] [--schema <name>]

On PostgreSQL with a schema, the tables are created in it; tables of an install in the default
place are left where they are (it says so): nothing is moved.`,
  stats: `errand stats — job counts by queue and state, and each rate limit with its current window

Usage: errand stats [--database-url <url>] [--schema <name>] [--json]`,
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
    return parseArgs({ args, options: { ...options, 'database-url': { type: 'string' }, schema: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values as Flags;
  } catch (err) {
    usage(`${(err as Error).message.replace(/\. To specify.*$/s, '')}\nRun "errand ${command} --help" for the options.`);
  }
}

/** --outbox or $ERRAND_OUTBOX_URL: a database an outbox can live in, or none. */
function outboxUrl(v: unknown): string | undefined {
  const url = (v as string | undefined) ?? (process.env.ERRAND_OUTBOX_URL || undefined);
  if (url === undefined) return undefined;
  const target = parseDatabaseUrl(url);
  if (target.kind === 'memory') usage('--outbox must be a sqlite:… file or a postgres://… database (an in-memory database has nothing to relay)');
  return url;
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
      'shutdown-timeout': { type: 'string' }, prefetch: { type: 'string' }, poll: { type: 'string' }, outbox: { type: 'string' },
    });
    if (!(o.jobs as string[] | undefined)?.length) usage('--jobs <module> is required: the module that exports your job definitions');
    const queues = parseQueues(((o.queue as string[] | undefined) ?? ['default=10']).join(','));
    const url = databaseUrl(o['database-url']);
    const { jobs, schedules } = await loadJobs(o.jobs as string[]);
    const outbox = outboxUrl(o.outbox);
    const errand = await createErrand({ databaseUrl: url, schema: o.schema as string | undefined, jobs, schedules, outbox });
    const worker = errand.worker({
      queues,
      leaseMs: positiveInt('--lease', o.lease as string | undefined),
      shutdownTimeoutMs: positiveInt('--shutdown-timeout', o['shutdown-timeout'] as string | undefined),
      prefetch: positiveInt('--prefetch', o.prefetch as string | undefined),
      pollMs: positiveInt('--poll', o.poll as string | undefined),
    });
    stopOnSignals(errand, [worker]);
    await worker.start();
    errand.logger.info(
      { workerId: worker.id, database: redact(url), outbox: outbox ? redact(outbox) : undefined, jobs: jobs.map((j) => j.name), schedules: schedules.map((x) => x.name) },
      'worker ready',
    );
    return;
  }
  if (command === 'migrate') {
    const o = parse(command, rest, {});
    const url = databaseUrl(o['database-url']);
    const schema = o.schema as string | undefined;
    const errand = await createErrand({ databaseUrl: url, schema, migrate: false });
    const applied = await errand.migrate();
    const where = errand.schema ? ` in schema "${errand.schema}"` : '';
    console.log(applied.length ? `applied ${applied.join(', ')}${where}` : `nothing to apply${where}: up to date`);
    await errand.close();
    return;
  }
  if (command === 'stats') {
    const o = parse(command, rest, { json: { type: 'boolean' } });
    const errand = await createErrand({ databaseUrl: databaseUrl(o['database-url']), schema: o.schema as string | undefined });
    const [totals, queues, rateLimits] = await Promise.all([errand.admin.stateCounts(), errand.admin.queues(), errand.admin.rateLimits()]);
    await errand.close();
    if (o.json) {
      console.log(JSON.stringify({ totals, queues, rateLimits }, null, 2));
      return;
    }
    const rows = queues.map((q) => [q.queue, q.scheduled, q.available, q.running, q.retryable, `${q.latencyMs} ms`, q.paused ? 'paused' : '']);
    console.log(table(['queue', 'scheduled', 'available', 'running', 'retryable', 'latency', ''], rows));
    if (rateLimits.length) {
      console.log();
      const limitRows = rateLimits.map((l) => [
        l.queue, `${l.limit} per ${l.intervalMs} ms${l.perKey ? ' per key' : ''}`,
        l.perKey ? `${l.used} over ${l.activeKeys} keys (fullest ${l.topKeys[0]?.used ?? 0})` : `${l.used}/${l.limit}`,
        `${Math.max(0, l.windowEnd.getTime() - Date.now())} ms`,
      ]);
      console.log(table(['rate-limited queue', 'limit', 'current window', 'ends in'], limitRows));
    }
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
