/**
 * The inbox: every input the daemon accepted, once per Stripe event id. A row is written and
 * committed before the sender gets its 2xx; the worker reads pending rows in id order.
 */
import type Database from 'better-sqlite3';
import type { Db } from './db.ts';

export type Transport = 'kite-http' | 'stripe' | 'socket' | 'file' | 'internal';
export type InboxStatus = 'pending' | 'ignored' | 'rejected' | 'done' | 'skipped' | 'failed';

export type NewInboxRow = {
  /** The Stripe event id, or for a reject without one a stable digest of the input. */
  dedupKey: string;
  stripeEventId?: string | undefined;
  type?: string | undefined;
  status: Extract<InboxStatus, 'pending' | 'ignored' | 'rejected'>;
  reason?: string | undefined;
  transport: Transport;
  kiteId?: string | undefined;
  kiteSource?: string | undefined;
  kiteSeq?: number | undefined;
  apiVersion?: string | undefined;
  livemode?: boolean | undefined;
  stripeCreated?: number | undefined;
  objectId?: string | undefined;
  objectType?: string | undefined;
  raw: Buffer | string;
  /** The normalised Stripe event. */
  event?: unknown;
};

export type InboxRow = {
  id: number;
  dedup_key: string;
  stripe_event_id: string | null;
  type: string | null;
  status: InboxStatus;
  reason: string | null;
  transport: Transport;
  kite_id: string | null;
  kite_source: string | null;
  kite_seq: number | null;
  api_version: string | null;
  livemode: number | null;
  stripe_created: number | null;
  object_id: string | null;
  object_type: string | null;
  case_id: string | null;
  raw: Buffer;
  event_json: string | null;
  deliveries: number;
  received_at: number;
  processed_at: number | null;
};

export type StoreOutcome = { outcome: 'stored' | 'duplicate'; id: number; status: InboxStatus };

/**
 * Stores one input, or counts one more delivery of a row already there. Runs in its own
 * immediate transaction; when it returns, the row is committed.
 */
export function storeInboxRow(db: Db, row: NewInboxRow, now: number): StoreOutcome {
  const statements = statementsFor(db);
  return db.transaction((): StoreOutcome => insertOne(statements, row, now)).immediate();
}

/**
 * Stores several inputs in one immediate transaction (one commit, so one fsync, for all of
 * them): the ingress groups the requests that arrive together. Either every row is committed
 * when it returns, or it throws and none is. Outcomes are in the order of `items`.
 */
export function storeInboxRows(db: Db, items: readonly { row: NewInboxRow; now: number }[]): StoreOutcome[] {
  const statements = statementsFor(db);
  return db.transaction(() => items.map(({ row, now }) => insertOne(statements, row, now))).immediate();
}

type InboxStatements = { insert: Database.Statement; bump: Database.Statement };

const cachedStatements = new WeakMap<Db, InboxStatements>();

function statementsFor(db: Db): InboxStatements {
  let statements = cachedStatements.get(db);
  if (!statements) {
    statements = {
      insert: db.prepare(
        `INSERT INTO inbox (dedup_key, stripe_event_id, type, status, reason, transport, kite_id, kite_source,
                            kite_seq, api_version, livemode, stripe_created, object_id, object_type, raw,
                            event_json, received_at)
         VALUES (@dedupKey, @stripeEventId, @type, @status, @reason, @transport, @kiteId, @kiteSource,
                 @kiteSeq, @apiVersion, @livemode, @stripeCreated, @objectId, @objectType, @raw,
                 @eventJson, @now)
         ON CONFLICT (dedup_key) DO NOTHING`,
      ),
      bump: db.prepare(
        'UPDATE inbox SET deliveries = deliveries + 1 WHERE dedup_key = ? RETURNING id, status',
      ),
    };
    cachedStatements.set(db, statements);
  }
  return statements;
}

function insertOne(statements: InboxStatements, row: NewInboxRow, now: number): StoreOutcome {
  const inserted = statements.insert.run({
    dedupKey: row.dedupKey,
    stripeEventId: row.stripeEventId ?? null,
    type: row.type ?? null,
    status: row.status,
    reason: row.reason ?? null,
    transport: row.transport,
    kiteId: row.kiteId ?? null,
    kiteSource: row.kiteSource ?? null,
    kiteSeq: row.kiteSeq ?? null,
    apiVersion: row.apiVersion ?? null,
    livemode: row.livemode === undefined ? null : row.livemode ? 1 : 0,
    stripeCreated: row.stripeCreated ?? null,
    objectId: row.objectId ?? null,
    objectType: row.objectType ?? null,
    raw: typeof row.raw === 'string' ? Buffer.from(row.raw) : row.raw,
    eventJson: row.event === undefined ? null : JSON.stringify(row.event),
    now,
  });
  if (inserted.changes === 1) {
    return { outcome: 'stored', id: Number(inserted.lastInsertRowid), status: row.status };
  }
  const existing = statements.bump.get(row.dedupKey) as { id: number; status: InboxStatus };
  return { outcome: 'duplicate', id: existing.id, status: existing.status };
}

/** What `/healthz` reports about the inbox. */
export type InboxBacklog = { backlog: number; oldestPendingReceivedAt: number | undefined };

/** Pending rows waiting for the worker, and when the oldest of them arrived. */
export function inboxBacklog(db: Db): InboxBacklog {
  const row = db
    .prepare("SELECT COUNT(*) AS backlog, MIN(received_at) AS oldest FROM inbox WHERE status = 'pending'")
    .get() as { backlog: number; oldest: number | null };
  return { backlog: row.backlog, oldestPendingReceivedAt: row.oldest ?? undefined };
}

/** Row counts by status. */
export function countInboxByStatus(db: Db): Partial<Record<InboxStatus, number>> {
  const rows = db.prepare('SELECT status, COUNT(*) AS n FROM inbox GROUP BY status').all() as {
    status: InboxStatus;
    n: number;
  }[];
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** One row by id. */
export function getInboxRow(db: Db, id: number): InboxRow | undefined {
  return db.prepare('SELECT * FROM inbox WHERE id = ?').get(id) as InboxRow | undefined;
}

/** One row by its dedup key (a Stripe event id, `ce:<source>:<id>` or `sha256:<hex>`). */
export function getInboxRowByKey(db: Db, dedupKey: string): InboxRow | undefined {
  return db.prepare('SELECT * FROM inbox WHERE dedup_key = ?').get(dedupKey) as InboxRow | undefined;
}

/** Rows in id order, optionally of one status, at most `limit` (default 100) after id `afterId`. */
export function listInbox(
  db: Db,
  options: { status?: InboxStatus; limit?: number; afterId?: number } = {},
): InboxRow[] {
  return db
    .prepare(
      `SELECT * FROM inbox WHERE (@status IS NULL OR status = @status) AND id > @afterId
       ORDER BY id LIMIT @limit`,
    )
    .all({
      status: options.status ?? null,
      afterId: options.afterId ?? 0,
      limit: options.limit ?? 100,
    }) as InboxRow[];
}

/** Pending rows waiting for the worker. */
export function countPendingInbox(db: Db): number {
  return inboxBacklog(db).backlog;
}
