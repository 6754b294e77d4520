/**
 * `errand-console`: the console on its own, over any Errand database.
 *
 *   errand-console --database-url postgres://… --port 4000 --host 127.0.0.1
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_DATABASE_URL } from 'errand';
import { startConsole } from './standalone.js';

const USAGE = `errand-console — serve Errand's web console (and /metrics)

Usage: errand-console [options]

Options:
  --database-url <url>   sqlite:./file.db | postgres://… | redis://… | memory: (default: $DATABASE_URL, else ${DEFAULT_DATABASE_URL})
  --schema <name>        PostgreSQL: the schema of the jobs tables (or ?schema=<name> in the URL)
  --port <n>             default 4000 (0 picks a free port)
  --host <h>             default 127.0.0.1
  -h, --help             this text
  -v, --version          the version

Password: $ERRAND_CONSOLE_PASSWORD (generated and printed when unset; required with NODE_ENV=production).`;

class UsageError extends Error {}

/** The package's version (package.json sits one level above src/ and dist/ alike). */
function version(): string {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

export async function main(argv: string[]): Promise<void> {
  let values: { 'database-url'?: string; schema?: string; port?: string; host?: string; help?: boolean; version?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: {
        'database-url': { type: 'string' },
        schema: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.version) {
    console.log(version());
    return;
  }
  const port = values.port === undefined ? 4000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got ${JSON.stringify(values.port)}`);
  const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const server = await startConsole({ databaseUrl, schema: values.schema, port, host: values.host ?? '127.0.0.1' });
  console.log(`errand console on ${server.url}`);
  const stop = () => {
    void server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** main() with a usage error printed with the usage (exit 2), any other failure on one line (exit 1). */
export function runCli(argv: string[]): void {
  main(argv).catch((err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`errand-console: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`errand-console: ${(err as Error)?.message ?? err}`);
    process.exit(1);
  });
}
