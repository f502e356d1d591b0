/**
 * Read-only views of a case for the executors: its row with parsed facts, and its recorded
 * failures. The agent owns writing cases; the tools only read them here.
 */
import { type CaseFacts, parseFacts } from './case-facts.ts';
import type { Db } from './db.ts';
import { stmt } from './statements.ts';

export type CaseView = {
  id: string;
  kind: 'payment_intent' | 'invoice';
  paymentIntentId: string | null;
  invoiceId: string | null;
  customerId: string | null;
  subscriptionId: string | null;
  status: string;
  amount: number | null;
  currency: string | null;
  livemode: boolean;
  failureCount: number;
  facts: CaseFacts;
};

export type FailureView = {
  chargeId: string | null;
  paymentMethodId: string | null;
  code: string | null;
  declineCode: string | null;
  adviceCode: string | null;
  source: string;
  occurredAt: number;
};

type CaseRowRaw = {
  id: string;
  kind: 'payment_intent' | 'invoice';
  payment_intent_id: string | null;
  invoice_id: string | null;
  customer_id: string | null;
  subscription_id: string | null;
  status: string;
  amount: number | null;
  currency: string | null;
  livemode: number;
  failure_count: number;
  facts_json: string;
};

/** The case with this id, or `undefined`. */
export function readCase(db: Db, caseId: string): CaseView | undefined {
  const row = stmt(db, 'SELECT * FROM cases WHERE id = ?').get(caseId) as CaseRowRaw | undefined;
  if (!row) return undefined;
  return {
    id: row.id,
    kind: row.kind,
    paymentIntentId: row.payment_intent_id,
    invoiceId: row.invoice_id,
    customerId: row.customer_id,
    subscriptionId: row.subscription_id,
    status: row.status,
    amount: row.amount,
    currency: row.currency,
    livemode: row.livemode === 1,
    failureCount: row.failure_count,
    facts: parseFacts(row.facts_json),
  };
}

/** The case's recorded failures, oldest first. */
export function readFailures(db: Db, caseId: string): FailureView[] {
  const rows = stmt(
    db,
    `SELECT charge_id, payment_method_id, code, decline_code, advice_code, source, occurred_at
       FROM failures WHERE case_id = ? ORDER BY occurred_at, id`,
  ).all(caseId) as {
    charge_id: string | null;
    payment_method_id: string | null;
    code: string | null;
    decline_code: string | null;
    advice_code: string | null;
    source: string;
    occurred_at: number;
  }[];
  return rows.map((r) => ({
    chargeId: r.charge_id,
    paymentMethodId: r.payment_method_id,
    code: r.code,
    declineCode: r.decline_code,
    adviceCode: r.advice_code,
    source: r.source,
    occurredAt: r.occurred_at,
  }));
}
