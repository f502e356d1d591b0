/**
 * Opens the SQLite file and brings its schema up to date.
 *
 * Durability: WAL with `synchronous=FULL`, so a commit that returned is on disk even across a
 * power loss. Ingress acknowledges an event only after its commit, so NORMAL (which may lose
 * the last commits on power loss) would break "never lose an accepted event".
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './schema.ts';

export type Db = Database.Database;

/** Options for {@link openDatabase}. */
export type OpenOptions = {
  /** Milliseconds a write waits for a lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  readonly?: boolean;
};

/**
 * Opens (creating if needed) the database at `path` and applies pending migrations.
 *
 * @example
 * const db = openDatabase('./data/billing-agent.db');
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: !!options.readonly });
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  if (options.readonly) return db;
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/** Applies every migration past the file's `user_version`, each in its own transaction. */
export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
