/**
 * Cases and their aliases. A case is one failing payment, keyed by its invoice when it belongs
 * to one, else by its PaymentIntent (or a bare charge). Every other id that leads to it (the
 * PaymentIntent, charges, the invoice) is an alias, so events of any kind find the same case.
 */
import type { Db } from './db.ts';
import { stmt } from './statements.ts';

export type CaseKind = 'payment_intent' | 'invoice' | 'charge';

export type CaseRow = {
  id: string;
  kind: CaseKind;
  payment_intent_id: string | null;
  invoice_id: string | null;
  customer_id: string | null;
  subscription_id: string | null;
  status: 'open' | 'closed';
  close_reason: string | null;
  amount: number | null;
  currency: string | null;
  livemode: number;
  failure_count: number;
  last_event_created: number | null;
  facts_json: string;
  opened_at: number;
  updated_at: number;
  closed_at: number | null;
};

export type NewCase = {
  id: string;
  kind: CaseKind;
  paymentIntentId: string | null;
  invoiceId: string | null;
  customerId: string | null;
  subscriptionId: string | null;
  amount: number | null;
  currency: string | null;
  livemode: boolean;
};

/** One case by id. */
export function getCase(db: Db, id: string): CaseRow | undefined {
  return stmt(db, 'SELECT * FROM cases WHERE id = ?').get(id) as CaseRow | undefined;
}

/** The case that any of these ids (case ids or aliases) leads to; open cases first, then the newest. */
export function findCase(db: Db, ids: readonly string[]): CaseRow | undefined {
  if (ids.length === 0) return undefined;
  const marks = ids.map(() => '?').join(',');
  // Every case is an alias of itself, so the alias index finds cases by any of their ids.
  return stmt(
    db,
    `SELECT * FROM cases WHERE id IN (SELECT case_id FROM case_aliases WHERE alias IN (${marks}))
     ORDER BY status = 'open' DESC, opened_at DESC LIMIT 1`,
  ).get(...ids) as CaseRow | undefined;
}

/** Creates a case (open) with its own id as an alias. */
export function insertCase(db: Db, row: NewCase, now: number): void {
  stmt(
    db,
    `INSERT INTO cases (id, kind, payment_intent_id, invoice_id, customer_id, subscription_id, status, amount,
                        currency, livemode, opened_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)`,
  ).run(
    row.id,
    row.kind,
    row.paymentIntentId,
    row.invoiceId,
    row.customerId,
    row.subscriptionId,
    row.amount,
    row.currency,
    row.livemode ? 1 : 0,
    now,
    now,
  );
  addAliases(db, row.id, [row.id]);
}

/** Points these ids at the case; an id already pointing elsewhere keeps its case. */
export function addAliases(db: Db, caseId: string, ids: readonly string[]): void {
  const insert = stmt(
    db,
    'INSERT INTO case_aliases (alias, case_id) VALUES (?, ?) ON CONFLICT (alias) DO NOTHING',
  );
  for (const id of ids) insert.run(id, caseId);
}

/** Fields of a case the agent updates as it learns. */
export type CasePatch = Partial<{
  paymentIntentId: string | null;
  invoiceId: string | null;
  customerId: string | null;
  subscriptionId: string | null;
  amount: number | null;
  currency: string | null;
  failureCount: number;
  lastEventCreated: number | null;
  factsJson: string;
}>;

const COLUMNS: Record<keyof CasePatch, string> = {
  paymentIntentId: 'payment_intent_id',
  invoiceId: 'invoice_id',
  customerId: 'customer_id',
  subscriptionId: 'subscription_id',
  amount: 'amount',
  currency: 'currency',
  failureCount: 'failure_count',
  lastEventCreated: 'last_event_created',
  factsJson: 'facts_json',
};

/** Updates the given fields of a case. */
export function updateCase(db: Db, id: string, patch: CasePatch, now: number): void {
  const keys = (Object.keys(patch) as (keyof CasePatch)[]).filter((k) => patch[k] !== undefined);
  const sets = keys.map((k) => `${COLUMNS[k]} = ?`);
  stmt(db, `UPDATE cases SET ${[...sets, 'updated_at = ?'].join(', ')} WHERE id = ?`).run(
    ...keys.map((k) => patch[k] as string | number | null),
    now,
    id,
  );
}

/** Closes a case with a reason (`payment_intent.succeeded`, `merged`, …). */
export function closeCase(db: Db, id: string, reason: string, now: number): void {
  stmt(
    db,
    `UPDATE cases SET status = 'closed', close_reason = ?, closed_at = ?, updated_at = ? WHERE id = ? AND status = 'open'`,
  ).run(reason, now, now, id);
}

/** Open cases of a customer, oldest first. */
export function listOpenCasesOfCustomer(db: Db, customerId: string): CaseRow[] {
  return stmt(db, `SELECT * FROM cases WHERE customer_id = ? AND status = 'open' ORDER BY opened_at`).all(
    customerId,
  ) as CaseRow[];
}

/** How many cases are open (metrics). */
export function countOpenCases(db: Db): number {
  return (stmt(db, `SELECT COUNT(*) AS n FROM cases WHERE status = 'open'`).get() as { n: number }).n;
}

/** Every id that leads to a case (its aliases). */
export function listAliases(db: Db, caseId: string): string[] {
  return (
    stmt(db, 'SELECT alias FROM case_aliases WHERE case_id = ? ORDER BY alias').all(caseId) as {
      alias: string;
    }[]
  ).map((r) => r.alias);
}

/**
 * Folds case `from` into case `into` once they are known to be one payment (a PaymentIntent
 * case whose invoice turned up later): its failures move (an attempt already in `into` stays
 * counted once), its aliases point at `into`, and `from` is closed as merged.
 */
export function mergeCases(db: Db, from: string, into: string, now: number): void {
  stmt(db, 'UPDATE OR IGNORE failures SET case_id = ? WHERE case_id = ?').run(into, from);
  stmt(db, 'DELETE FROM failures WHERE case_id = ?').run(from);
  stmt(db, 'UPDATE case_aliases SET case_id = ? WHERE case_id = ?').run(into, from);
  const count = (stmt(db, 'SELECT COUNT(*) AS n FROM failures WHERE case_id = ?').get(into) as { n: number })
    .n;
  stmt(db, 'UPDATE cases SET failure_count = ?, updated_at = ? WHERE id = ?').run(count, now, into);
  closeCase(db, from, `merged into ${into}`, now);
}

/** Open cases that any of these ids lead to (several when one payment was seen as two cases). */
export function findOpenCases(db: Db, ids: readonly string[]): CaseRow[] {
  if (ids.length === 0) return [];
  const marks = ids.map(() => '?').join(',');
  return stmt(
    db,
    // `+status` keeps SQLite from walking every open case through the status index: the few
    // aliases lead straight to their cases by primary key.
    `SELECT * FROM cases WHERE +status = 'open' AND id IN (SELECT case_id FROM case_aliases WHERE alias IN (${marks}))
     ORDER BY opened_at`,
  ).all(...ids) as CaseRow[];
}
