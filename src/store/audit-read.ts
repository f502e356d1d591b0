/**
 * Read-only queries behind `billing-agent audit`: find the cases an operator's id leads to (a
 * case, PaymentIntent, invoice, charge or customer id) and gather every row recorded about a
 * case. Nothing here writes; the database may be opened read-only.
 */
import type { CaseRow } from './cases.ts';
import type { Db } from './db.ts';
import type { DecisionRow } from './decisions.ts';
import type { FailureRow } from './failures.ts';
import type { JobRow } from './jobs.ts';

/** An inbox row without its raw bytes. */
export type AuditInboxRow = {
  id: number;
  stripe_event_id: string | null;
  type: string | null;
  status: string;
  reason: string | null;
  transport: string;
  kite_id: string | null;
  api_version: string | null;
  livemode: number | null;
  stripe_created: number | null;
  object_id: string | null;
  case_id: string | null;
  deliveries: number;
  received_at: number;
  processed_at: number | null;
};

export type JobResultRow = { job_id: number; at: number; outcome: string; detail_json: string | null };

/**
 * A notice row; `SELECT *` so that columns added by later migrations come along. A database not yet
 * migrated has no `recipient_masked`, so it is optional here.
 */
export type NoticeRow = {
  case_id: string;
  recipient_masked?: string | null;
  failure_key: string;
  template: string;
  job_id: number | null;
  status: string;
  subject: string | null;
  body_text: string | null;
  outbox_path: string | null;
  created_at: number;
  sent_at: number | null;
  [column: string]: unknown;
};

export type EscalationRow = {
  kind: string;
  status: string;
  channel: string | null;
  ts: string | null;
  error: string | null;
  text: string | null;
  created_at: number;
  updated_at: number;
};

/** Everything recorded about one case. */
export type CaseRecord = {
  case: CaseRow;
  aliases: string[];
  events: AuditInboxRow[];
  failures: FailureRow[];
  decisions: DecisionRow[];
  jobs: JobRow[];
  jobResults: JobResultRow[];
  notices: NoticeRow[];
  escalation: EscalationRow | undefined;
};

const INBOX_COLUMNS = `id, stripe_event_id, type, status, reason, transport, kite_id, api_version, livemode,
  stripe_created, object_id, case_id, deliveries, received_at, processed_at`;

/**
 * The ids of every case `id` leads to, oldest first: the case itself, an alias (PaymentIntent,
 * charge, invoice), a case column, the case an inbox event about that object was filed under,
 * or every case of a customer.
 */
export function findCaseIds(db: Db, id: string): string[] {
  const rows = db
    .prepare(
      `SELECT id FROM cases
       WHERE id = @id OR payment_intent_id = @id OR invoice_id = @id OR customer_id = @id
          OR id IN (SELECT case_id FROM case_aliases WHERE alias = @id)
          OR id IN (SELECT case_id FROM inbox WHERE case_id IS NOT NULL
                    AND (object_id = @id OR stripe_event_id = @id))
       ORDER BY opened_at, id`,
    )
    .all({ id }) as { id: string }[];
  return rows.map((r) => r.id);
}

/** Inbox rows about `id` (object or event id) that no case claims. */
export function findUnlinkedEvents(db: Db, id: string): AuditInboxRow[] {
  return db
    .prepare(
      `SELECT ${INBOX_COLUMNS} FROM inbox
       WHERE case_id IS NULL AND (object_id = @id OR stripe_event_id = @id) ORDER BY id`,
    )
    .all({ id }) as AuditInboxRow[];
}

/** Every row recorded about case `caseId`, or `undefined` when there is no such case. */
export function readCaseRecord(db: Db, caseId: string): CaseRecord | undefined {
  const row = db.prepare('SELECT * FROM cases WHERE id = ?').get(caseId) as CaseRow | undefined;
  if (!row) return undefined;
  const all = <T>(sql: string) => db.prepare(sql).all(caseId) as T[];
  return {
    case: row,
    aliases: all<{ alias: string }>('SELECT alias FROM case_aliases WHERE case_id = ? ORDER BY alias').map(
      (a) => a.alias,
    ),
    events: all<AuditInboxRow>(`SELECT ${INBOX_COLUMNS} FROM inbox WHERE case_id = ? ORDER BY id`),
    failures: all<FailureRow>('SELECT * FROM failures WHERE case_id = ? ORDER BY occurred_at, id'),
    decisions: all<DecisionRow>('SELECT * FROM decisions WHERE case_id = ? ORDER BY id'),
    jobs: all<JobRow>('SELECT * FROM jobs WHERE case_id = ? ORDER BY id'),
    jobResults: all<JobResultRow>('SELECT * FROM job_results WHERE case_id = ? ORDER BY id'),
    notices: all<NoticeRow>('SELECT * FROM notices WHERE case_id = ? ORDER BY id'),
    escalation: db.prepare('SELECT * FROM escalations WHERE case_id = ?').get(caseId) as
      | EscalationRow
      | undefined,
  };
}

/** A recorded decision as `replay` reads it. */
export type RecordedDecision = {
  id: number;
  case_id: string;
  created_at: number;
  trigger: string;
  planner: string;
  gen_ai_request_model: string | null;
  prompt_hash: string | null;
  policy_hash: string | null;
  context_json: string;
  actions_json: string;
};

/** Recorded decisions, oldest first: of the given cases, made at or after `sinceMs`, or all. */
export function listRecordedDecisions(
  db: Db,
  filter: { caseIds?: string[] | undefined; sinceMs?: number | undefined },
): RecordedDecision[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.caseIds) {
    where.push(`case_id IN (${filter.caseIds.map(() => '?').join(',') || 'NULL'})`);
    params.push(...filter.caseIds);
  }
  if (filter.sinceMs !== undefined) {
    where.push('created_at >= ?');
    params.push(filter.sinceMs);
  }
  return db
    .prepare(
      `SELECT id, case_id, created_at, trigger, planner, gen_ai_request_model, prompt_hash, policy_hash,
              context_json, actions_json
       FROM decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`,
    )
    .all(...params) as RecordedDecision[];
}

/** Events still pending plus jobs pending or running: zero when the daemon has nothing left to do. */
export function outstandingWork(db: Db): number {
  const row = db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM inbox WHERE status = 'pending')
            + (SELECT COUNT(*) FROM jobs WHERE state IN ('pending', 'running')) AS n`,
    )
    .get() as { n: number };
  return row.n;
}
