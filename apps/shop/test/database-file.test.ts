/** The SQLite file holds emails and card tokens: it and its -wal/-shm are created 0600. */
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { seedDemoProducts } from '../src/db/seed.js';

const mode = (file: string) => statSync(file).mode & 0o777;

describe('the SQLite database file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is created 0600 with its -wal and -shm, in a new directory made 0700, whatever the umask allows', async () => {
    const root = mkdtempSync(join(tmpdir(), 'shop-mode-'));
    dirs.push(root);
    const file = join(root, 'data', 'shop.db');
    const previous = process.umask(0o022);
    try {
      const db = await openDatabase(`sqlite:${file}`);
      await seedDemoProducts(db.store); // a write: the -wal and -shm exist now
      expect(mode(file)).toBe(0o600);
      expect(mode(`${file}-wal`)).toBe(0o600);
      expect(mode(`${file}-shm`)).toBe(0o600);
      expect(mode(join(root, 'data'))).toBe(0o700);
      await db.store.close();
    } finally {
      process.umask(previous);
    }
  });

  it('tightens an existing file that was readable by others', async () => {
    const root = mkdtempSync(join(tmpdir(), 'shop-mode-'));
    dirs.push(root);
    const file = join(root, 'old.db');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const db = await openDatabase(`sqlite:${file}`);
    await seedDemoProducts(db.store);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    await db.store.close();
  });
});

describe('a Redis DATABASE_URL for the shop', () => {
  it('is refused at once with a clear error (sales live in SQL; jobs on Redis go in JOBS_URL), never showing the password', async () => {
    const err = await openDatabase('redis://:hunter2@127.0.0.1:6379/0').catch((e) => e);
    expect(err).toMatchObject({ code: 'ERRAND_BAD_URL' });
    expect(err.message).toMatch(/sales in SQL/);
    expect(err.message).toMatch(/JOBS_URL=redis:/);
    expect(err.message).not.toContain('hunter2');
  });
});
