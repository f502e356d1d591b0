/**
 * Group commit for the HTTP routes: rows from requests that finish reading in the same turn of
 * the event loop are written in one transaction, so a burst of deliveries costs one fsync
 * instead of one each (SQLite runs with synchronous=FULL). Every caller still gets its answer
 * only after the commit that holds its row; if that commit fails, every row in it fails.
 */
import type { Db } from '../store/db.ts';
import { type NewInboxRow, type StoreOutcome, storeInboxRows } from '../store/inbox.ts';

/** Most rows written by one commit. */
export const MAX_BATCH = 256;

type Waiting = { row: NewInboxRow; now: number; resolve(o: StoreOutcome): void; reject(e: unknown): void };

// Limitation: a row that SQLite refuses for a reason of its own fails the whole commit, so the
// deliveries sharing it are answered 503 too and come back; none is lost or half-stored.

/** Queues rows and commits them together on the next turn of the event loop. */
export class InboxWriter {
  readonly #db: Db;
  #waiting: Waiting[] = [];
  #scheduled = false;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Resolves once the row is committed (or found already there); rejects with the SQLite error. */
  write(row: NewInboxRow, now: number): Promise<StoreOutcome> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ row, now, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush() {
    const batch = this.#waiting.splice(0, MAX_BATCH);
    if (this.#waiting.length > 0) setImmediate(() => this.#flush());
    else this.#scheduled = false;
    let outcomes: StoreOutcome[];
    try {
      outcomes = storeInboxRows(this.#db, batch);
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      w.resolve(outcomes[i]!);
    });
  }
}
