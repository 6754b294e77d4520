/**
 * The engine as it was before a change, built beside this checkout, so a benchmark can run it
 * in the same window as today's (issue 12: "the burn-down with these features unused stays
 * within 5% of today's in the same run").
 *
 * `ensureBaseline()` checks the commit out as a detached git worktree under the system's temp
 * directory (once), runs `npm ci` there (which builds every package), and returns the path of
 * that engine's dist/index.js for ERRAND_BENCH_ENGINE. ERRAND_BENCH_BASELINE_DIR overrides the
 * directory (an existing checkout of the baseline, already built).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** main just before issue 12's features (cancellation, results, progress, schedules, rate limits, tracing). */
export const BASELINE_COMMIT = '53c44c0';
export const BASELINE_LABEL = `before issue 12 (${BASELINE_COMMIT})`;

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function ensureBaseline(): string {
  const dir = process.env.ERRAND_BENCH_BASELINE_DIR ?? join(tmpdir(), `errand-bench-baseline-${BASELINE_COMMIT}`);
  const entry = join(dir, 'packages', 'engine', 'dist', 'index.js');
  if (existsSync(entry)) return entry;
  if (!existsSync(dir)) {
    console.log(`baseline: git worktree add ${dir} ${BASELINE_COMMIT}`);
    execFileSync('git', ['-C', REPO, 'worktree', 'add', '--detach', dir, BASELINE_COMMIT], { stdio: 'inherit' });
  }
  console.log(`baseline: npm ci in ${dir} (builds it; about a minute)`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(entry)) throw new Error(`baseline: ${entry} was not built`);
  return entry;
}

/**
 * This checkout's engine, compiled (scripts/build.mjs, incremental), so the pair compares two
 * builds of the same kind: tsc's dist/ against tsc's dist/, not the tsx-transformed sources.
 */
export function currentBuild(): string {
  execFileSync(process.execPath, [join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  return join(REPO, 'packages', 'engine', 'dist', 'index.js');
}
