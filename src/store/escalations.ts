/**
 * Escalations: one per case, holding the Slack message `ts` that later replies thread under.
 * Status: `pending` while being posted, `posted` once Slack said ok, `stored` when Slack is not
 * configured (kept here and logged), `undelivered` when Slack refused for a configuration fault.
 */
import type { Db } from './db.ts';
import { stmt } from './statements.ts';

export type EscalationKind = 'case' | 'incident' | 'could_not_act';
export type EscalationStatus = 'pending' | 'posted' | 'stored' | 'undelivered';

export type EscalationRow = {
  id: number;
  case_id: string;
  kind: EscalationKind;
  status: EscalationStatus;
  channel: string | null;
  ts: string | null;
  error: string | null;
  text: string | null;
  blocks_json: string | null;
  created_at: number;
  updated_at: number;
};

/** The escalation of a case, if any. */
export function getEscalation(db: Db, caseId: string): EscalationRow | undefined {
  return stmt(db, 'SELECT * FROM escalations WHERE case_id = ?').get(caseId) as EscalationRow | undefined;
}

/**
 * Creates the case's escalation as `pending` with its message, or refreshes the message of one
 * that is not posted yet. Returns the row as it now stands.
 */
export function upsertPendingEscalation(
  db: Db,
  row: { caseId: string; kind: EscalationKind; channel?: string | undefined; text: string; blocks: unknown },
  now: number,
): EscalationRow {
  return (
    (stmt(
      db,
      `INSERT INTO escalations (case_id, kind, status, channel, text, blocks_json, created_at, updated_at)
       VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)
       ON CONFLICT (case_id) DO UPDATE
         SET text = excluded.text, blocks_json = excluded.blocks_json, channel = excluded.channel,
             updated_at = excluded.updated_at
         WHERE escalations.status <> 'posted'
       RETURNING *`,
    ).get(row.caseId, row.kind, row.channel ?? null, row.text, JSON.stringify(row.blocks), now, now) as
      | EscalationRow
      | undefined) ?? (getEscalation(db, row.caseId) as EscalationRow)
  );
}

/** Sets the escalation's delivery status (and the Slack channel and ts once posted). */
export function setEscalationStatus(
  db: Db,
  caseId: string,
  update: {
    status: EscalationStatus;
    channel?: string | undefined;
    ts?: string | undefined;
    error?: string | null;
  },
  now: number,
): void {
  stmt(
    db,
    `UPDATE escalations SET status = ?, channel = COALESCE(?, channel), ts = COALESCE(?, ts), error = ?,
                            updated_at = ?
     WHERE case_id = ?`,
  ).run(update.status, update.channel ?? null, update.ts ?? null, update.error ?? null, now, caseId);
}

/** Escalations that did not reach Slack (stored or undelivered), newest first. */
export function listUndeliveredEscalations(db: Db, limit = 100): EscalationRow[] {
  return stmt(
    db,
    `SELECT * FROM escalations WHERE status IN ('stored', 'undelivered') ORDER BY updated_at DESC LIMIT ?`,
  ).all(limit) as EscalationRow[];
}
