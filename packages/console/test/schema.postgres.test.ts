/** The console over an install in a PostgreSQL schema of its own shows that install's jobs, not the default place's. */
import { createErrand, defineJob } from 'errand';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, HAS_PG, type TestDatabase } from '../../engine/test/helpers/pg.js';
import { startConsole } from '../src/index.js';

describe.runIf(HAS_PG)('the console with a schema', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('console_schema');
    const logger = pino({ level: 'silent' });
    const job = defineJob<null>({ name: 'shown', handler: () => {} });
    for (const [schema, queue] of [[undefined, 'default-place-queue'], ['errand', 'schema-queue']] as const) {
      const e = await createErrand({ databaseUrl: db.url, schema, logger });
      await e.enqueue(job, null, { queue });
      await e.close();
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('startConsole({ schema }) reads the jobs of that schema only', async () => {
    const savedLevel = process.env.ERRAND_LOG_LEVEL;
    process.env.ERRAND_LOG_LEVEL = 'silent';
    const c = await startConsole({ databaseUrl: db.url, schema: 'errand', port: 0, host: '127.0.0.1', password: 'schema-test-password' });
    try {
      const signIn = await fetch(new URL('/sign-in', c.url), { method: 'POST', body: new URLSearchParams({ password: 'schema-test-password' }), redirect: 'manual' });
      expect(signIn.status).toBe(303);
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
      const page = await fetch(new URL('/queues', c.url), { headers: { cookie } });
      expect(page.status).toBe(200);
      const body = await page.text();
      expect(body).toContain('schema-queue');
      expect(body).not.toContain('default-place-queue');
    } finally {
      if (savedLevel === undefined) delete process.env.ERRAND_LOG_LEVEL;
      else process.env.ERRAND_LOG_LEVEL = savedLevel;
      await c.close();
    }
  });
});
