#!/usr/bin/env node
/**
 * The packaging test (`npm run test:packaging`, run by .ci/run on every Node it tests): use the
 * packages the way a stranger would. Pack `errand`, `@errand/console` and `@errand/gateway`,
 * install the tarballs into a scratch project outside the repository (no workspace links), then:
 *
 *   1. every tarball holds only files its `files` whitelist allows (and nothing of src/, test/…);
 *   2. a plain `app.mjs` under `node` defines a job, enqueues it on SQLite and works it;
 *   3. `tsc --noEmit` passes on a consumer `.ts` with a stock strict NodeNext tsconfig and
 *      `skipLibCheck: false` (the packages' own .d.ts files are checked too);
 *   4. `npx errand --help` / `--version`, `npx errand-console --version`, `npx errand-gateway --version`;
 *   5. `@errand/console` mounted in a plain Fastify app answers `/admin`;
 *   6. a postgres:// URL without `pg` installed fails at once, naming the package to install;
 *   7. so does a redis:// URL without `ioredis`; with it installed, a job runs on Redis (its Lua
 *      scripts ship in the tarball) — on the local Redis, required under CI, else skipped if down.
 *
 * Prints tarball sizes and file counts and the install size of the SQLite-only consumer.
 * Exit code 0 when everything held; 1 with the first failure otherwise.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['packages/engine', 'packages/console', 'packages/gateway'];
const keep = process.argv.includes('--keep');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const step = (s) => console.log(`\n== ${s}`);
function sh(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  } catch (err) {
    const out = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim();
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${err.status}):\n${out}`);
  }
}
function check(ok, message) {
  if (!ok) throw new Error(message);
  console.log(`ok   ${message}`);
}
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
function duBytes(dir) {
  return Number(sh('du', ['-sb', dir]).split('\t')[0]);
}

const scratch = mkdtempSync(join(tmpdir(), 'errand-packaging-'));
const tarballs = join(scratch, 'tarballs');
const app = join(scratch, 'app');
mkdirSync(tarballs);
mkdirSync(app);

try {
  console.log(`node ${process.version}; scratch project ${scratch}`);
  step('pack');
  const packed = {};
  for (const dir of PACKAGES) {
    const manifest = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
    const [info] = JSON.parse(sh(npm, ['pack', '--json', '--pack-destination', tarballs], { cwd: join(ROOT, dir) }));
    packed[manifest.name] = join(tarballs, info.filename);
    // npm always adds package.json, README and LICENSE; everything else must come from `files`.
    const allowed = new Set([...manifest.files, 'package.json', 'README.md', 'LICENSE']);
    const outside = info.files.map((f) => f.path).filter((p) => !allowed.has(p) && !allowed.has(p.split('/')[0]));
    check(outside.length === 0, `${manifest.name}: every file is in its whitelist${outside.length ? ` (outside: ${outside.join(', ')})` : ''}`);
    const leaked = info.files.map((f) => f.path).filter((p) => /(^|\/)(src|test|bench|screenshots)\//.test(p) || /\.test\.|\.tsbuildinfo$/.test(p));
    check(leaked.length === 0, `${manifest.name}: no sources, tests, benches or build info${leaked.length ? ` (found: ${leaked.join(', ')})` : ''}`);
    check(info.files.some((f) => f.path === 'dist/index.js') && info.files.some((f) => f.path === 'dist/index.d.ts'), `${manifest.name}: ships dist/index.js and dist/index.d.ts`);
    console.log(`     ${info.filename}: ${kib(info.size)} packed, ${kib(info.unpackedSize)} unpacked, ${info.entryCount} files`);
  }

  step('install the tarballs into an empty project');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }, null, 2));
  sh(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock', packed.errand, 'better-sqlite3'], { cwd: app });
  const sqliteOnly = duBytes(join(app, 'node_modules'));
  console.log(`     errand + better-sqlite3 (a SQLite-only consumer): node_modules ${(sqliteOnly / 1e6).toFixed(1)} MB`);
  check(!sh('ls', [join(app, 'node_modules')]).split('\n').includes('tsx'), 'no tsx in a production install');

  step('a plain .mjs under node: define, enqueue on SQLite, work');
  writeFileSync(
    join(app, 'app.mjs'),
    `import { createErrand, defineJob } from 'errand';
let done;
const finished = new Promise((resolve) => (done = resolve));
const greet = defineJob({ name: 'greet', handler: async ({ who }, ctx) => done({ who, attempt: ctx.attempt }) });
const errand = await createErrand({ databaseUrl: 'sqlite:./data/app.db', jobs: [greet], logger: undefined });
const job = await errand.enqueue(greet, { who: 'world' });
const worker = errand.worker({ queues: { default: 2 } });
await worker.start();
const result = await Promise.race([finished, new Promise((_, reject) => setTimeout(() => reject(new Error('the job did not run in 10 s')), 10_000))]);
await errand.close();
console.log(JSON.stringify({ id: job.id, ...result }));
`,
  );
  const ran = JSON.parse(sh(process.execPath, ['app.mjs'], { cwd: app, env: { ...process.env, ERRAND_LOG_LEVEL: 'warn' } }).trim().split('\n').pop());
  check(ran.who === 'world' && ran.attempt === 1 && Number.isInteger(ran.id), `the job ran once (job ${ran.id}, attempt ${ran.attempt})`);
  check(statSync(join(app, 'data', 'app.db')).size > 0, 'a real SQLite file: data/app.db');

  step('the bins');
  const help = sh('npx', ['--no-install', 'errand', '--help'], { cwd: app });
  check(/Usage: errand <command>/.test(help), 'npx errand --help prints the usage');
  const version = JSON.parse(readFileSync(join(ROOT, 'packages/engine/package.json'), 'utf8')).version;
  check(sh('npx', ['--no-install', 'errand', '--version'], { cwd: app }).trim() === version, `npx errand --version prints ${version}`);
  const stats = sh('npx', ['--no-install', 'errand', 'stats', '--json', '--database-url', 'sqlite:./data/app.db'], { cwd: app, env: { ...process.env, ERRAND_LOG_LEVEL: 'warn' } });
  check(JSON.parse(stats).totals.completed === 1, 'npx errand stats reads the same file (1 completed)');

  step('the console and the gateway, with their peers');
  sh(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock', packed['@errand/console'], packed['@errand/gateway'], 'fastify@5', 'typescript@5', '@types/node@22', '@types/better-sqlite3'], { cwd: app });
  check(/^\d+\.\d+\.\d+/.test(sh('npx', ['--no-install', 'errand-console', '--version'], { cwd: app }).trim()), 'npx errand-console --version');
  check(/^\d+\.\d+\.\d+/.test(sh('npx', ['--no-install', 'errand-gateway', '--version'], { cwd: app }).trim()), 'npx errand-gateway --version');
  writeFileSync(
    join(app, 'console.mjs'),
    `import Fastify from 'fastify';
import { createErrand } from 'errand';
import { errandConsole } from '@errand/console';
const errand = await createErrand({ databaseUrl: 'sqlite:./data/app.db' });
const app = Fastify();
await app.register(errandConsole, { prefix: '/admin', errand, password: 'a-long-enough-password' });
const signedOut = await app.inject({ url: '/admin' });
const signIn = await app.inject({ url: signedOut.headers.location ?? '/admin/sign-in' });
console.log(JSON.stringify({ status: signedOut.statusCode, location: signedOut.headers.location, signIn: signIn.statusCode, form: /<form/.test(signIn.body) }));
await app.close();
await errand.close();
`,
  );
  const mounted = JSON.parse(sh(process.execPath, ['console.mjs'], { cwd: app, env: { ...process.env, ERRAND_LOG_LEVEL: 'warn' } }).trim().split('\n').pop());
  check(mounted.status === 303 && mounted.signIn === 200 && mounted.form, `GET /admin -> ${mounted.status} ${mounted.location}, the sign-in page -> ${mounted.signIn} with its form`);

  step('tsc --noEmit on a consumer (strict, NodeNext, skipLibCheck false)');
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] }, include: ['consumer.ts'] }, null, 2),
  );
  writeFileSync(
    join(app, 'consumer.ts'),
    `import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { createErrand, defineJob, ErrandError, type EnqueuedJob, type JobContext } from 'errand';
import { assertEnqueued } from 'errand/testing';
import { errandConsole, registerMetrics } from '@errand/console';
import { startGateway, type Gateway } from '@errand/gateway';

interface Receipt {
  saleGuid: string;
  lines: { sku: string; quantity: number }[];
  note?: string;
}

export const sendReceipt = defineJob<Receipt>({
  name: 'send-receipt',
  maxAttempts: 5,
  handler: async (payload: Receipt, ctx: JobContext) => {
    ctx.logger.info({ guid: payload.saleGuid, attempt: ctx.attempt }, 'sending');
  },
});

export async function main(): Promise<void> {
  const db = new Database('./data/consumer.db');
  const errand = await createErrand({ sqlite: db, jobs: [sendReceipt] });
  // Transactional enqueue with the app's own connection: no cast.
  const enqueued: EnqueuedJob[] = [];
  db.transaction(() => {
    enqueued.push(errand.enqueueSync(sendReceipt, { saleGuid: 'abc', lines: [{ sku: 'x', quantity: 1 }] }, { tx: db }));
  })();
  await errand.enqueue(sendReceipt, { saleGuid: 'def', lines: [] }, { delayMs: 1000, uniqueKey: 'receipt:def' });
  await assertEnqueued(errand, sendReceipt, { saleGuid: 'def' });
  const ran: number = (await errand.drain()).length;
  console.log(ran, enqueued[0].id);
  const app = Fastify();
  await app.register(errandConsole, { prefix: '/admin', errand });
  registerMetrics(app, { errand });
  const gateway: Gateway = await startGateway({ port: 0 });
  await gateway.close();
  try {
    await errand.enqueue(sendReceipt, { saleGuid: '', lines: [] }, { priority: 0.5 });
  } catch (err) {
    if (err instanceof ErrandError) console.log(err.code);
  }
  await errand.close();
}
`,
  );
  const tsc = sh(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app });
  check(tsc.trim() === '', 'tsc --noEmit: no errors');
  step('a postgres:// URL without pg installed');
  writeFileSync(
    join(app, 'no-pg.mjs'),
    `import { createErrand } from 'errand';
try {
  await createErrand({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/test' });
  console.log('connected?!');
  process.exit(1);
} catch (err) {
  console.log(err.code + ': ' + err.message);
}
`,
  );
  const noPg = sh(process.execPath, ['no-pg.mjs'], { cwd: app });
  check(/npm install pg/.test(noPg) && /^ERRAND_/.test(noPg), `fails naming the package: ${noPg.trim()}`);

  step('a redis:// URL without ioredis, then with it');
  writeFileSync(
    join(app, 'redis.mjs'),
    `import { createErrand, defineJob } from 'errand';
const url = (process.env.PACKAGING_REDIS_URL ?? 'redis://127.0.0.1:6379/0') + '?prefix=errand_packaging_' + process.pid;
let errand;
try {
  const greet = defineJob({ name: 'greet', handler: async ({ who }) => 'hello ' + who });
  errand = await createErrand({ databaseUrl: url, jobs: [greet] });
  const job = await errand.enqueue(greet, { who: 'redis' });
  await errand.drain();
  const rec = await errand.getJob(job.id);
  await errand.admin.delete([job.id]);
  console.log(JSON.stringify({ state: rec.state, result: rec.result }));
} catch (err) {
  console.log(JSON.stringify({ code: err.code, message: err.message }));
} finally {
  await errand?.close();
}
`,
  );
  const env = { ...process.env, ERRAND_LOG_LEVEL: 'silent' };
  const noRedis = JSON.parse(sh(process.execPath, ['redis.mjs'], { cwd: app, env }).trim().split('\n').pop());
  check(noRedis.code === 'ERRAND_DRIVER_MISSING' && /npm install ioredis/.test(noRedis.message), `fails naming the package: ${noRedis.code}: ${noRedis.message}`);
  sh(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock', 'ioredis@5'], { cwd: app });
  let redisUp = true;
  try {
    sh('redis-cli', ['-u', process.env.PACKAGING_REDIS_URL ?? 'redis://127.0.0.1:6379/0', 'ping']);
  } catch {
    redisUp = false;
  }
  if (redisUp || process.env.CI) {
    const onRedis = JSON.parse(sh(process.execPath, ['redis.mjs'], { cwd: app, env }).trim().split('\n').pop());
    check(onRedis.state === 'completed' && onRedis.result === 'hello redis', `with ioredis, a job ran on Redis: ${JSON.stringify(onRedis)}`);
    const cli = ['-u', process.env.PACKAGING_REDIS_URL ?? 'redis://127.0.0.1:6379/0'];
    const left = sh('redis-cli', [...cli, '--scan', '--pattern', 'errand_packaging_*']).split('\n').filter(Boolean);
    if (left.length) sh('redis-cli', [...cli, 'DEL', ...left]);
  } else {
    console.log('skip a job on Redis: no Redis at 127.0.0.1:6379 (required under CI)');
  }

  console.log(`\npackaging test passed on node ${process.version}`);
} catch (err) {
  console.error(`\nFAIL ${err.message}`);
  process.exitCode = 1;
} finally {
  if (keep) console.log(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
