/**
 * Failures: one row per real payment attempt that failed, keyed per case by the failed charge
 * (or, without one, the invoice attempt or the event). Counting rows, not events, is what makes
 * a `charge.failed` and a `payment_intent.payment_failed` of one attempt count once.
 */
import type { Db } from './db.ts';
import { stmt } from './statements.ts';

export type FailureRow = {
  id: number;
  case_id: string;
  attempt_key: string;
  charge_id: string | null;
  payment_method_id: string | null;
  card_fingerprint: string | null;
  card_brand: string | null;
  code: string | null;
  decline_code: string | null;
  advice_code: string | null;
  network_advice_code: string | null;
  network_decline_code: string | null;
  outcome_type: string | null;
  outcome_reason: string | null;
  source: 'webhook' | 'retry';
  inbox_id: number | null;
  occurred_at: number;
  recorded_at: number;
};

export type NewFailure = Omit<FailureRow, 'id' | 'recorded_at'>;

/** Records a failure; returns its id, or `undefined` when the attempt is already recorded. */
export function insertFailure(db: Db, row: NewFailure, now: number): number | undefined {
  const result = stmt(
    db,
    `INSERT INTO failures (case_id, attempt_key, charge_id, payment_method_id, card_fingerprint, card_brand, code,
                             decline_code, advice_code, network_advice_code, network_decline_code, outcome_type,
                             outcome_reason, source, inbox_id, occurred_at, recorded_at)
       VALUES (@case_id, @attempt_key, @charge_id, @payment_method_id, @card_fingerprint, @card_brand, @code,
               @decline_code, @advice_code, @network_advice_code, @network_decline_code, @outcome_type,
               @outcome_reason, @source, @inbox_id, @occurred_at, @now)
       ON CONFLICT (case_id, attempt_key) DO NOTHING`,
  ).run({ ...row, now });
  return result.changes === 1 ? Number(result.lastInsertRowid) : undefined;
}

/** Fills in what a later event of the same attempt knows (the charge id, decline codes). */
export function completeFailure(
  db: Db,
  id: number,
  patch: Partial<
    Pick<
      FailureRow,
      | 'charge_id'
      | 'card_fingerprint'
      | 'card_brand'
      | 'payment_method_id'
      | 'code'
      | 'decline_code'
      | 'advice_code'
      | 'network_advice_code'
      | 'network_decline_code'
      | 'outcome_type'
      | 'outcome_reason'
    >
  >,
): void {
  const keys = Object.keys(patch).filter((k) => patch[k as keyof typeof patch] != null);
  if (keys.length === 0) return;
  stmt(
    db,
    `UPDATE failures SET ${keys.map((k) => `${k} = COALESCE(${k}, @${k})`).join(', ')} WHERE id = @id`,
  ).run({
    ...Object.fromEntries(keys.map((k) => [k, patch[k as keyof typeof patch]])),
    id,
  });
}

/** Failures of a case, oldest first. */
export function listFailures(db: Db, caseId: string): FailureRow[] {
  return stmt(db, 'SELECT * FROM failures WHERE case_id = ? ORDER BY occurred_at, id').all(
    caseId,
  ) as FailureRow[];
}

/** The failure of a case with this attempt key, or any charge id among `chargeIds`. */
export function findFailure(
  db: Db,
  caseId: string,
  attemptKey: string,
  chargeIds: readonly string[],
): FailureRow | undefined {
  const marks = chargeIds.map(() => '?').join(',');
  const byCharge = chargeIds.length ? ` OR charge_id IN (${marks})` : '';
  return stmt(db, `SELECT * FROM failures WHERE case_id = ? AND (attempt_key = ?${byCharge}) LIMIT 1`).get(
    caseId,
    attemptKey,
    ...chargeIds,
  ) as FailureRow | undefined;
}

/**
 * A failure of the case within `windowMs` of `at` that cannot be told apart from a new fact:
 * when `withoutCharge` is set, only rows with no charge id qualify (the new fact has one).
 */
export function findFailureNear(
  db: Db,
  caseId: string,
  at: number,
  windowMs: number,
  withoutCharge: boolean,
): FailureRow | undefined {
  return stmt(
    db,
    `SELECT * FROM failures WHERE case_id = ? AND occurred_at BETWEEN ? AND ? ${withoutCharge ? 'AND charge_id IS NULL' : ''}
       ORDER BY ABS(occurred_at - ?) LIMIT 1`,
  ).get(caseId, at - windowMs, at + windowMs, at) as FailureRow | undefined;
}

/** Declines of one card (by fingerprint) since a time, across every case. */
export function countCardDeclines(db: Db, fingerprint: string, since: number): number {
  return (
    stmt(db, 'SELECT COUNT(*) AS n FROM failures WHERE card_fingerprint = ? AND occurred_at >= ?').get(
      fingerprint,
      since,
    ) as {
      n: number;
    }
  ).n;
}

/** Distinct cases with a failure of this code since a time, and the earliest such failure (storm detection). */
export function countCasesFailingWith(
  db: Db,
  code: string,
  since: number,
): { cases: number; first: number | null } {
  const row = stmt(
    db,
    `SELECT COUNT(DISTINCT case_id) AS cases, MIN(occurred_at) AS first FROM failures
       WHERE (code = @code OR decline_code = @code) AND occurred_at >= @since`,
  ).get({ code, since }) as { cases: number; first: number | null };
  return row;
}

/** How many failures a case has. */
export function countFailures(db: Db, caseId: string): number {
  return (stmt(db, 'SELECT COUNT(*) AS n FROM failures WHERE case_id = ?').get(caseId) as { n: number }).n;
}
