/**
 * Opens the daemon's database for reading only, as `audit` and `replay` do, with a clear
 * message instead of a stack trace when the file is missing or is not a billing-agent
 * database. A read-only handle cannot change the live tables, whatever the command does.
 */
import { existsSync } from 'node:fs';
import { type Db, openDatabase } from '../store/db.ts';
import { MIGRATIONS } from '../store/schema.ts';

/** Why a database could not be opened for reading; the command prints it and exits 1. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Opens `path` read-only, or throws {@link DatabaseUnavailableError} with a message for people.
 *
 * @example
 * const db = openReadonlyDatabase('./data/billing-agent.db');
 */
export function openReadonlyDatabase(path: string): Db {
  if (!existsSync(path)) {
    throw new DatabaseUnavailableError(
      `no database at ${path} (start the daemon first, or pass --db PATH / set DATABASE_PATH)`,
    );
  }
  let db: Db;
  try {
    db = openDatabase(path, { readonly: true });
  } catch (error) {
    throw new DatabaseUnavailableError(`cannot open ${path}: ${(error as Error).message}`);
  }
  let version: number;
  try {
    version = db.pragma('user_version', { simple: true }) as number;
    db.prepare('SELECT 1 FROM cases LIMIT 1').get();
  } catch (error) {
    db.close();
    throw new DatabaseUnavailableError(
      `${path} is not a billing-agent database: ${(error as Error).message}`,
    );
  }
  if (version > MIGRATIONS.length) {
    db.close();
    throw new DatabaseUnavailableError(
      `${path} was written by a newer billing-agent (schema ${version}, this one knows ${MIGRATIONS.length})`,
    );
  }
  return db;
}
