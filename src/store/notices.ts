/**
 * Customer notices, at most one per (case, failure, template). A notice is reserved with status
 * `sending` before the message leaves, so a crash mid-send never sends it twice: the next attempt
 * finds the reservation and does not send again (at most once, by choice: a missing reminder is
 * better than a duplicate dunning e-mail). A send that certainly did not happen is marked
 * `failed`, which frees the reservation for the next attempt.
 */
import type { Db } from './db.ts';
import { stmt } from './statements.ts';

export type NoticeStatus = 'sending' | 'sent' | 'outbox' | 'no_address' | 'failed';

export type NoticeRow = {
  id: number;
  case_id: string;
  failure_key: string;
  template: string;
  job_id: number | null;
  status: NoticeStatus;
  subject: string | null;
  body_text: string | null;
  message_id: string | null;
  outbox_path: string | null;
  /** The address masked (`j***@example.com`); the full address is never stored. */
  recipient_masked: string | null;
  created_at: number;
  sent_at: number | null;
};

export type NoticeKey = { caseId: string; failureKey: string; template: string };

/** The notice for this key, if any. */
export function getNotice(db: Db, key: NoticeKey): NoticeRow | undefined {
  return stmt(db, 'SELECT * FROM notices WHERE case_id = ? AND failure_key = ? AND template = ?').get(
    key.caseId,
    key.failureKey,
    key.template,
  ) as NoticeRow | undefined;
}

/**
 * Reserves the notice for sending (status `sending`). Returns the row id when this call owns the
 * reservation, `undefined` when a notice for the key already exists (sent, in flight, or
 * recorded without an address). A `failed` notice may be reserved again.
 */
export function reserveNotice(
  db: Db,
  key: NoticeKey,
  content: { jobId: number; subject: string; text: string; recipientMasked?: string | undefined },
  now: number,
): number | undefined {
  const row = stmt(
    db,
    `INSERT INTO notices (case_id, failure_key, template, job_id, status, subject, body_text, recipient_masked,
                          created_at)
       VALUES (?, ?, ?, ?, 'sending', ?, ?, ?, ?)
       ON CONFLICT (case_id, failure_key, template) DO UPDATE
         SET status = 'sending', job_id = excluded.job_id, subject = excluded.subject,
             body_text = excluded.body_text, recipient_masked = excluded.recipient_masked
         WHERE notices.status = 'failed'
       RETURNING id`,
  ).get(
    key.caseId,
    key.failureKey,
    key.template,
    content.jobId,
    content.subject,
    content.text,
    content.recipientMasked ?? null,
    now,
  ) as { id: number } | undefined;
  return row?.id;
}

/** Records that no address was found for the notice (kept once; the caller escalates). */
export function recordNoAddress(db: Db, key: NoticeKey, jobId: number, now: number): void {
  stmt(
    db,
    `INSERT INTO notices (case_id, failure_key, template, job_id, status, created_at)
     VALUES (?, ?, ?, ?, 'no_address', ?)
     ON CONFLICT (case_id, failure_key, template) DO NOTHING`,
  ).run(key.caseId, key.failureKey, key.template, jobId, now);
}

/** Marks a reserved notice as delivered to SMTP (`sent`) or written to the outbox. */
export function markNoticeDelivered(
  db: Db,
  id: number,
  delivery: { status: 'sent' | 'outbox'; messageId?: string | undefined; outboxPath?: string | undefined },
  now: number,
): void {
  stmt(db, 'UPDATE notices SET status = ?, message_id = ?, outbox_path = ?, sent_at = ? WHERE id = ?').run(
    delivery.status,
    delivery.messageId ?? null,
    delivery.outboxPath ?? null,
    now,
    id,
  );
}

/** Frees a reservation whose send certainly did not happen, so a later attempt may send. */
export function markNoticeFailed(db: Db, id: number): void {
  stmt(db, `UPDATE notices SET status = 'failed' WHERE id = ? AND status = 'sending'`).run(id);
}

/** Every notice of a case, oldest first. */
export function listNotices(db: Db, caseId: string): NoticeRow[] {
  return stmt(db, 'SELECT * FROM notices WHERE case_id = ? ORDER BY id').all(caseId) as NoticeRow[];
}
