/**
 * Group commit for the worker: the write of each decision is queued and every write queued in
 * the same turn of the event loop commits in ONE SQLite transaction (each in its own savepoint,
 * so one failing write rolls back alone). A caller's promise resolves only after the commit, so
 * nothing is reported done before it is on disk, and a crash before it leaves every row pending.
 * With `synchronous=FULL`, this turns one fsync per decision into one per batch.
 */
import type { Db } from '../store/db.ts';

type Pending = { fn: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void };

const queues = new WeakMap<Db, Pending[]>();

/**
 * Runs `fn` inside the next group transaction and resolves with its result once committed.
 *
 * @example
 * await commitTx(db, () => finishInboxRow(db, id, { status: 'skipped', reason }, now));
 */
export function commitTx<T>(db: Db, fn: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let queue = queues.get(db);
    if (!queue) {
      queue = [];
      queues.set(db, queue);
      setImmediate(() => flush(db));
    }
    queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
  });
}

function flush(db: Db): void {
  const queue = queues.get(db) ?? [];
  queues.delete(db);
  const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
  try {
    db.transaction(() => {
      for (const p of queue) {
        try {
          results.push({ ok: true, value: db.transaction(p.fn)() });
        } catch (error) {
          results.push({ ok: false, error });
        }
      }
    }).immediate();
  } catch (error) {
    for (const p of queue) p.reject(error);
    return;
  }
  queue.forEach((p, i) => {
    const r = results[i]!;
    if (r.ok) p.resolve(r.value);
    else p.reject(r.error);
  });
}
