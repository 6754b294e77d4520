/**
 * npm run chaos — the shop under failure, end to end, with real processes.
 *
 *   npm run chaos                                   # both databases, 2,000 purchases each
 *   npm run chaos -- --db postgres --purchases 500 --rate 40 --workers 3 --kill-every 3000 --seed 7
 *   npm run chaos -- --json chaos.json --no-audit
 *   npm run chaos -- --db redis --purchases 300 --no-audit   # sales in SQLite, jobs in a private Redis
 *
 * For each database: the web process (WORKERS=0) and worker processes, the local gateway failing
 * on purpose (10% 500s, 5% 429s, 5% hangs, 5% resets, 5% lost responses, plus decline cards),
 * purchases through POST /buy at a steady rate, 20% of them with 3-D Secure cards (3184, 3155,
 * 3178) whose challenges are completed, failed or abandoned through the gateway's control route,
 * signed webhooks to the shop with delivery faults (duplicate, reorder, delay, drop then
 * redeliver), refunds and disputes opened "from the dashboard" meanwhile, a worker SIGKILLed
 * every few seconds and started again, PostgreSQL (a private cluster, never the shared one)
 * crashed (`pg_ctl stop -m immediate`) and started again once in the middle (`--db redis`: the sales in a SQLite file, the jobs in a private
 * redis-server with AOF, appendfsync everysec, through the outbox; that Redis SIGKILLed and
 * started again on its AOF in the middle). Then it waits for every sale to settle, checks the sales against
 * the gateway's ledger and events (checks.ts), scans the logs for secrets, prints the figures,
 * and runs `npm audit --omit=dev` (./audit.ts).
 * Exit status: 0 when every invariant held, 1 on any violation, 2 on bad flags.
 */
import { writeFileSync } from 'node:fs';
import { runAudit } from './audit.js';
import { summaryTable } from './report.js';
import { type ChaosDb, type ChaosResult, runChaos } from './run.js';

interface Flags {
  db: ChaosDb[];
  purchases: number;
  rate: number;
  workers: number | null;
  killEvery: number;
  seed: number;
  json: string | null;
  audit: boolean;
}

const HELP = `usage: npm run chaos -- [--db postgres|sqlite|redis|both] [--purchases 2000] [--rate 50]
                         [--workers 3 (postgres) / 2 (sqlite, redis)] [--kill-every 4000] [--seed n]
                         [--json out.json] [--no-audit]`;

function fail(message: string): never {
  process.stderr.write(`chaos: ${message}\n${HELP}\n`);
  process.exit(2);
}

function parseFlags(argv: string[]): Flags {
  const f: Flags = { db: ['postgres', 'sqlite'], purchases: 2000, rate: 50, workers: null, killEvery: 4000, seed: Date.now() % 1_000_000, json: null, audit: true };
  const int = (name: string, v: string | undefined, min: number, max: number): number => {
    if (v === undefined || !/^\d+$/.test(v) || Number(v) < min || Number(v) > max) fail(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v ?? '')}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(`${HELP}\n`);
      process.exit(0);
    } else if (a === '--db') {
      const v = next();
      if (v === 'both') f.db = ['postgres', 'sqlite'];
      else if (v === 'postgres' || v === 'sqlite' || v === 'redis') f.db = [v];
      else fail(`--db must be postgres, sqlite, redis (sales in SQLite, jobs in Redis) or both, got ${JSON.stringify(v ?? '')}`);
    } else if (a === '--purchases') f.purchases = int(a, next(), 1, 1_000_000);
    else if (a === '--rate') f.rate = int(a, next(), 1, 10_000);
    else if (a === '--workers') f.workers = int(a, next(), 1, 32);
    else if (a === '--kill-every') f.killEvery = int(a, next(), 100, 3_600_000);
    else if (a === '--seed') f.seed = int(a, next(), 0, 2 ** 31 - 1);
    else if (a === '--json') f.json = next() ?? fail('--json needs a file name');
    else if (a === '--no-audit') f.audit = false;
    else fail(`unknown flag ${JSON.stringify(a)}`);
  }
  return f;
}

async function main(): Promise<void> {
  const f = parseFlags(process.argv.slice(2));
  const results: ChaosResult[] = [];
  for (const db of f.db) {
    process.stderr.write(`\n== chaos on ${db} ==\n`);
    const result = await runChaos({
      db,
      purchases: f.purchases,
      rate: f.rate,
      workers: f.workers ?? (db === 'postgres' ? 3 : 2),
      killEveryMs: f.killEvery,
      seed: f.seed,
      progress: (line) => process.stderr.write(`[${db} ${new Date().toISOString().slice(11, 19)}] ${line}\n`),
    });
    results.push(result);
    for (const v of result.violations) process.stderr.write(`VIOLATION (${db}): ${v}\n`);
    process.stderr.write(`logs: ${result.logDir}\n`);
  }
  const audit = f.audit ? await runAudit() : null;
  process.stdout.write(`\n${summaryTable(results)}\n\n`);
  if (audit) process.stdout.write(`npm audit --omit=dev: ${audit.summary}\n`);
  const figures = { date: new Date().toISOString(), node: process.version, seed: f.seed, results, audit };
  if (f.json) writeFileSync(f.json, `${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  const violations = results.reduce((n, r) => n + r.violations.length, 0) + (audit?.failed ? 1 : 0);
  process.stdout.write(violations === 0 ? '\nchaos: every invariant held\n' : `\nchaos: ${violations} violation(s)\n`);
  process.exit(violations === 0 ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`chaos: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});
