/**
 * The SQLite file holds emails and card tokens: only its owner may read it. Created 0600 before
 * SQLite opens it (SQLite gives the -wal and -shm files the database file's mode), and an
 * existing file (and its -wal/-shm) made 0600 if it was wider. The directory is created 0700
 * when it does not exist yet.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export const DATABASE_FILE_MODE = 0o600;

export function prepareDatabaseFile(filename: string): void {
  const dir = dirname(filename);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  // 'a': create if missing (with this mode, less the umask's bits), never truncate.
  closeSync(openSync(filename, 'a', DATABASE_FILE_MODE));
  for (const file of [filename, `${filename}-wal`, `${filename}-shm`]) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, DATABASE_FILE_MODE);
    } catch {
      // missing (-wal/-shm before the first write), or not ours to change: leave it
    }
  }
}
