/**
 * Checks, for `billing-agent doctor`, that the database file can take a write, without
 * changing it: no migration runs and the write transaction is rolled back at once.
 */
import Database from 'better-sqlite3';
import { MIGRATIONS } from './schema.ts';

export type DatabaseProbe = {
  /** The file's schema version and the one this build would migrate it to. */
  schemaVersion: number;
  latestVersion: number;
};

/**
 * Opens an existing database file, takes the write lock (`BEGIN IMMEDIATE`) and rolls back.
 * Throws what SQLite throws: SQLITE_READONLY, SQLITE_BUSY (another writer held the lock for
 * `busyTimeoutMs`), SQLITE_NOTADB, SQLITE_CANTOPEN.
 */
export function probeDatabaseWritable(path: string, busyTimeoutMs = 2000): DatabaseProbe {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return { schemaVersion, latestVersion: MIGRATIONS.length };
  } finally {
    db.close();
  }
}
