/**
 * Prepared statements, cached per database handle and SQL text. better-sqlite3 compiles a
 * statement on every `prepare`; on the worker's hot path that compile cost more than the query.
 */
import type Database from 'better-sqlite3';
import type { Db } from './db.ts';

const caches = new WeakMap<Db, Map<string, Database.Statement>>();

/** The prepared statement for `sql` on `db`, compiled once. */
export function stmt(db: Db, sql: string): Database.Statement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}
