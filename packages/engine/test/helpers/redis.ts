import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * Redis for tests: each test file gets a key prefix of its own (`?prefix=errand_test_<random>` on
 * REDIS_TEST_URL, default redis://127.0.0.1:6379/0), so suites run in parallel on one server
 * without sharing keys, and deletes its keys afterwards.
 *
 * When the server cannot be reached: with REQUIRE_REDIS=1, REQUIRE_POSTGRES=1 or CI=true the
 * suite fails loudly; otherwise Redis suites are skipped with a warning (a laptop without it).
 */
export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379/0';

let reachable: boolean | undefined;

export async function redisAvailable(): Promise<boolean> {
  if (reachable !== undefined) return reachable;
  const c = new Redis(REDIS_TEST_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.ping();
    reachable = true;
  } catch (err) {
    if (process.env.REQUIRE_REDIS === '1' || process.env.REQUIRE_POSTGRES === '1' || process.env.CI) {
      throw new Error(`Redis is required (REQUIRE_REDIS/CI) but ${REDIS_TEST_URL} is unreachable: ${(err as Error).message}`);
    }
    console.warn(`Redis at ${REDIS_TEST_URL} unreachable; Redis suites are skipped`);
    reachable = false;
  } finally {
    c.disconnect();
  }
  return reachable;
}

/** Whether Redis suites run: top-level await in a test file, then describe.runIf(HAS_REDIS). */
export const HAS_REDIS = await redisAvailable();

/** A client on the test server, for a test's own reads (error events ignored; disconnect it). */
export function createTestRedisClient(): Redis {
  const c = new Redis(REDIS_TEST_URL);
  c.on('error', () => {});
  return c;
}

export interface TestRedis {
  url: string;
  prefix: string;
  /** A client of the test's own, on the same server and database. */
  client(): Redis;
  /** Delete every key of the prefix. */
  drop(): Promise<void>;
}

export function createTestRedis(name = 'errand_test'): TestRedis {
  const prefix = `${name}_${randomBytes(5).toString('hex')}`;
  const clients: Redis[] = [];
  return {
    url: `${REDIS_TEST_URL}${REDIS_TEST_URL.includes('?') ? '&' : '?'}prefix=${prefix}`,
    prefix,
    client() {
      const c = new Redis(REDIS_TEST_URL);
      c.on('error', () => {});
      clients.push(c);
      return c;
    },
    async drop() {
      const c = new Redis(REDIS_TEST_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await c.unlink(...keys);
        } while (cursor !== '0');
      } finally {
        c.disconnect();
        for (const x of clients) x.disconnect();
      }
    },
  };
}
