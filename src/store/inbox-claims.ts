/**
 * The worker's side of the inbox: pending rows in id order, and the status it leaves on each
 * (`done` with the case it decided, or `skipped` / `failed` with the reason).
 */
import type { Db } from './db.ts';
import { stmt } from './statements.ts';
import type { InboxRow } from './inbox.ts';

/** Pending rows, oldest first. */
export function listPendingInbox(db: Db, limit: number): InboxRow[] {
  return stmt(db, `SELECT * FROM inbox WHERE status = 'pending' ORDER BY id LIMIT ?`).all(
    limit,
  ) as InboxRow[];
}

/** Whether the row is still pending (checked inside the worker's transaction). */
export function isInboxPending(db: Db, id: number): boolean {
  const row = stmt(db, 'SELECT status FROM inbox WHERE id = ?').get(id) as { status: string } | undefined;
  return row?.status === 'pending';
}

/** Leaves the worker's verdict on a row. */
export function finishInboxRow(
  db: Db,
  id: number,
  outcome: { status: 'done' | 'skipped' | 'failed'; reason?: string | null; caseId?: string | null },
  now: number,
): void {
  stmt(
    db,
    `UPDATE inbox SET status = ?, reason = ?, case_id = COALESCE(?, case_id), processed_at = ? WHERE id = ?`,
  ).run(outcome.status, outcome.reason ?? null, outcome.caseId ?? null, now, id);
}
