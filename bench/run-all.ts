/**
 * npm run bench — every benchmark in turn (each in its own processes), then BENCHMARKS.md.
 *   npm run bench                       engine, checkout, end to end (about 10 minutes)
 *   npm run bench -- --only engine      one part (engine | checkout | e2e); several: --only engine,e2e
 *   npm run bench -- --soak             the 5-minute memory soak only
 *   npm run bench -- --summary          re-render BENCHMARKS.md from bench/results/*.json only
 * Extra flags after the part names are passed to the engine benchmark (e.g. --runs 5).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSummary } from './summary.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? argv[onlyIdx + 1].split(',') : null;
const passThrough = argv.filter((a, i) => !['--only', '--soak', '--summary'].includes(a) && !(onlyIdx >= 0 && i === onlyIdx + 1));

function run(script: string, args: string[] = []): Promise<number> {
  console.log(`\n=== ${script} ${args.join(' ')}`);
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [...process.execArgv, join(HERE, script), ...args], { stdio: 'inherit' });
    c.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const t0 = Date.now();
  let failed = 0;
  if (argv.includes('--soak')) failed += (await run('soak.ts', passThrough)) ? 1 : 0;
  else if (!argv.includes('--summary')) {
    const parts: [string, string, string[]][] = [
      ['engine', 'engine.ts', passThrough],
      ['checkout', 'checkout.ts', []],
      ['e2e', 'e2e.ts', []],
    ];
    for (const [name, script, args] of parts) {
      if (only && !only.includes(name)) continue;
      if (await run(script, args)) {
        failed++;
        console.error(`${script} failed; continuing`);
      }
    }
  }
  writeFileSync(join(HERE, '..', 'BENCHMARKS.md'), renderSummary());
  console.log(`\nwrote BENCHMARKS.md (${Math.round((Date.now() - t0) / 1000)} s${failed ? `, ${failed} part(s) failed` : ''})`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
