import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, HAS_PG } from './pg.js';
import { createTestRedis, HAS_REDIS } from './redis.js';

/** The drivers every conformance test runs against: memory, a SQLite file, PostgreSQL, Redis. */
export interface DriverTarget {
  name: 'memory' | 'sqlite' | 'postgres' | 'postgres in a schema' | 'redis';
  enabled: boolean;
  /** A database URL for a fresh, empty database, and how to remove it. */
  setup(): Promise<{ url: string; teardown(): Promise<void> }>;
}

export const DRIVERS: DriverTarget[] = [
  { name: 'memory', enabled: true, setup: async () => ({ url: 'memory:', teardown: async () => {} }) },
  {
    name: 'sqlite',
    enabled: true,
    setup: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'errand-'));
      return { url: `sqlite:${join(dir, 'test.db')}`, teardown: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    enabled: HAS_PG,
    setup: async () => {
      const db = await createTestDatabase();
      return { url: db.url, teardown: () => db.drop() };
    },
  },
  {
    name: 'redis',
    enabled: HAS_REDIS,
    setup: async () => {
      const r = createTestRedis();
      return { url: r.url, teardown: () => r.drop() };
    },
  },
];

/**
 * PostgreSQL with the jobs tables in a schema of their own (`?schema=` in the URL), and nothing in
 * the default place: the conformance suite runs against it too, so every query file is proven to
 * name its schema's tables — an unqualified name finds no table and fails the test.
 * (test/schema.test.ts covers two installs side by side.)
 */
export const PG_IN_SCHEMA: DriverTarget = {
  name: 'postgres in a schema',
  enabled: HAS_PG,
  setup: async () => {
    const db = await createTestDatabase();
    return { url: `${db.url}?schema=errand_conformance`, teardown: () => db.drop() };
  },
};
