/**
 * The charge job's group commit on PostgreSQL: WriteBatcher's rules (alone when idle, together
 * while busy, one key per statement, a failed batch retried call by call), then the store's
 * startCharge and markFinished from many worker slots at once on a real server.
 */
import type { EnqueuedJob } from 'errand';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, HAS_PG } from '../../../packages/engine/test/helpers/pg.js';
import { migratePostgres } from '../src/db/migrate.js';
import { PostgresStore } from '../src/db/postgres-store.js';
import type { TxEnqueue } from '../src/db/types.js';
import { WriteBatcher } from '../src/db/write-batcher.js';
import { newGuid } from '../src/sales/guid.js';
import { tracedPool } from './helpers.js';

function batcher(maxInFlight = 1, maxBatch = 100) {
  const statements: string[][] = [];
  const gate: (() => void)[] = [];
  const b = new WriteBatcher<string, string>({
    // Each statement waits until the test lets it go, so the test decides what is "in flight".
    // Its answers say whether the call went alone ("one:") or with others ("many:").
    write: (ks) => {
      statements.push(ks);
      const fail = ks.length === 1 ? `bad call ${ks[0]}` : 'batch failed';
      const kind = ks.length === 1 ? 'one' : 'many';
      return new Promise((resolve, reject) => gate.push(() => (ks.some((k) => k.startsWith('bad')) ? reject(new Error(fail)) : resolve(ks.map((k) => `${kind}:${k}`)))));
    },
    key: (k) => k.split('#')[0],
    maxInFlight,
    maxBatch,
  });
  const release = async () => {
    while (gate.length) gate.shift()!();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { b, statements, release };
}

describe('WriteBatcher', () => {
  it('an idle call goes out at once, alone; the calls made meanwhile go out together in the next statement', async () => {
    const { b, statements, release } = batcher();
    const first = b.run('a');
    expect(statements).toEqual([['a']]);
    const rest = ['b', 'c', 'd'].map((k) => b.run(k));
    expect(statements).toHaveLength(1); // waiting for the one in flight
    await release();
    expect(statements).toEqual([['a'], ['b', 'c', 'd']]);
    await release();
    expect(await first).toBe('one:a');
    expect(await Promise.all(rest)).toEqual(['many:b', 'many:c', 'many:d']);
  });

  it('two calls for one key never share a statement; maxBatch and maxInFlight hold', async () => {
    const { b, statements, release } = batcher(2, 2);
    const all = ['x', 'y', 'x#2', 'z', 'w'].map((k) => b.run(k));
    // Two out at once, each idle call alone; then batches of at most two.
    expect(statements).toEqual([['x'], ['y']]);
    await release();
    expect(statements.slice(2)).toEqual([['x#2', 'z'], ['w']]);
    await release();
    expect(await Promise.all(all)).toEqual(['one:x', 'one:y', 'many:x#2', 'many:z', 'one:w']);
    const { b: b2, statements: s2, release: r2 } = batcher(1, 10);
    const dup = ['k', 'k#2', 'k#3', 'm'].map((k) => b2.run(k));
    await r2();
    await r2();
    await r2();
    expect(s2).toEqual([['k'], ['k#2', 'm'], ['k#3']]);
    expect(await Promise.all(dup)).toEqual(['one:k', 'many:k#2', 'one:k#3', 'many:m']);
  });

  it('a batch that fails is retried call by call: the bad call fails alone', async () => {
    const { b, statements, release } = batcher();
    const first = b.run('a');
    const rest = ['b', 'bad', 'c'].map((k) => b.run(k).catch((e: Error) => e.message));
    await release(); // a
    await release(); // the batch fails, then one statement each
    await release();
    expect(statements).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
    expect(await first).toBe('one:a');
    expect(await Promise.all(rest)).toEqual(['one:b', 'bad call bad', 'one:c']);
  });
});

describe.runIf(HAS_PG)('PostgreSQL: startCharge and markFinished from many worker slots at once', () => {
  it('are group-committed, each caller getting its own answer; a duplicate and a bad call are answered alone', async () => {
    const db = await createTestDatabase('shop_batch');
    const { pool, texts, values } = tracedPool(db.url, 10);
    try {
      await migratePostgres(pool);
      const store = new PostgresStore(pool, { jobsOnThisDatabase: true });
      await store.seedProduct({ permalink: 'batch-guide', name: 'Batch', description: 'x', price: 700, currency: 'usd', delivery: 'https://example.com/b' });
      const product = (await store.getProduct('batch-guide'))!;
      const fakeJob = (async () => ({ id: 1 }) as EnqueuedJob) as TxEnqueue;
      const guids = Array.from({ length: 12 }, () => newGuid());
      await Promise.all(guids.map((guid, i) => store.placeSale({ guid, product, email: `b${i}@example.com`, stripeToken: `tok_b${i}`, formKey: null, singleUseToken: false }, fakeJob)));

      texts.length = 0;
      values.length = 0;
      const targets = await Promise.all([...guids.map((g) => store.startCharge(g)), store.startCharge('no-such-sale')]);
      expect(targets.slice(0, 12).map((t) => [t?.guid, t?.amount, t?.stripeToken])).toEqual(guids.map((g, i) => [g, 700, `tok_b${i}`]));
      expect(targets[12]).toBeNull();
      const starts = texts.filter((t) => t.includes("SET state = 'processing'"));
      expect(starts.length).toBeLessThan(13); // calls shared statements
      expect(texts.some((t, i) => t.includes("SET state = 'processing'") && (values[i][0] as string[]).length > 1)).toBe(true);

      texts.length = 0;
      values.length = 0;
      const finished = await Promise.all([
        ...guids.slice(0, 11).map((g, i) => store.markFinished(g, `ch_${i}`, `pi_${i}`)),
        store.markFinished(guids[0], 'ch_again', null), // the same sale twice at once: the second finds it finished
        store.markFinished(guids[11], 'ch_\u0000bad', null).catch((e: Error) => e.message), // PostgreSQL refuses a NUL byte
      ]);
      expect(finished.slice(0, 11)).toEqual(Array(11).fill(true));
      expect(finished[11]).toBe(false);
      expect(String(finished[12])).toMatch(/0x00/);
      // Some statement carried several sales (its first value is the array of their guids).
      expect(texts.some((t, i) => t.includes("SET state = 'finished'") && (values[i][0] as string[]).length > 1)).toBe(true);
      const sales = await Promise.all(guids.map((g) => store.getSale(g)));
      expect(sales.slice(0, 11).map((s) => [s?.state, s?.chargeId])).toEqual(guids.slice(0, 11).map((_, i) => ['finished', `ch_${i}`]));
      expect(sales[11]?.state).toBe('processing'); // the bad call changed nothing
      expect(await store.markFinished(guids[11], 'ch_11', 'pi_11')).toBe(true);
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});
