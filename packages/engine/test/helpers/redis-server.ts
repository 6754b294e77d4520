import { execFileSync } from 'node:child_process';

/**
 * Whether `redis-server` is on PATH, for suites that start a Redis of their own (to kill and
 * restart it, never the shared one). Missing: with REQUIRE_REDIS=1 or CI the suite fails loudly;
 * otherwise it is skipped with a warning (a laptop without it).
 */
export function hasRedisServer(what: string): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.REQUIRE_REDIS === '1' || process.env.CI) throw new Error(`redis-server is required (REQUIRE_REDIS/CI) for ${what}, and is not on PATH`);
    console.warn(`redis-server not on PATH; ${what} is skipped`);
    return false;
  }
}
