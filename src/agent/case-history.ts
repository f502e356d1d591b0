/** Reads what the store knows about a case into the shapes the context builder takes. */
import type { CaseRow } from '../store/cases.ts';
import type { Db } from '../store/db.ts';
import { type FailureRow, listFailures } from '../store/failures.ts';
import { listJobs } from '../store/jobs.ts';
import type { CaseJob, RecordedFailure } from './context.ts';
import { classifyDecline } from './declines.ts';
import { rowSignals } from './failure-rows.ts';
import type { FailureFacts } from './facts.ts';

/** The case's recorded failures and jobs (empty for a case not yet created). */
export function loadHistory(
  db: Db,
  caseId: string | undefined,
): { recorded: RecordedFailure[]; jobs: CaseJob[] } {
  if (!caseId) return { recorded: [], jobs: [] };
  const recorded = listFailures(db, caseId).map((f) => ({
    attemptKey: f.attempt_key,
    occurredAt: f.occurred_at,
    code: f.code,
    declineCode: f.decline_code,
    cls: classifyDecline(rowSignals(f)).class,
  }));
  const jobs = listJobs(db, caseId).map((j) => ({
    tool: j.tool,
    args: JSON.parse(j.args_json) as Record<string, unknown>,
    dueAt: j.due_at,
    state: j.state,
    createdAt: j.created_at,
  }));
  return { recorded, jobs };
}

/** The case fields of the context for an existing or about-to-be-created case. */
export function caseInfoOf(
  row: CaseRow | undefined,
  fallback: {
    id: string;
    kind: CaseRow['kind'];
    paymentIntentId: string | null;
    invoiceId: string | null;
    customerId: string | null;
    subscriptionId: string | null;
    amount: number | null;
    currency: string | null;
    livemode: boolean;
    now: number;
  },
) {
  return {
    id: row?.id ?? fallback.id,
    kind: row?.kind ?? fallback.kind,
    status: row?.status ?? ('open' as const),
    livemode: row ? row.livemode === 1 || fallback.livemode : fallback.livemode,
    openedAt: row?.opened_at ?? fallback.now,
    paymentIntentId: row?.payment_intent_id ?? fallback.paymentIntentId,
    invoiceId: row?.invoice_id ?? fallback.invoiceId,
    customerId: row?.customer_id ?? fallback.customerId,
    subscriptionId: row?.subscription_id ?? fallback.subscriptionId,
    amount: fallback.amount ?? row?.amount ?? null,
    currency: fallback.currency ?? row?.currency ?? null,
  };
}

/** A recorded failure as failure facts (for a decision after a later trigger). */
export function failureFactsOfRow(r: FailureRow): FailureFacts {
  return {
    chargeId: r.charge_id,
    chargeSource: 'recorded',
    paymentMethodId: r.payment_method_id,
    cardFingerprint: r.card_fingerprint,
    cardBrand: r.card_brand,
    code: r.code,
    declineCode: r.decline_code,
    adviceCode: r.advice_code,
    networkAdviceCode: r.network_advice_code,
    networkDeclineCode: r.network_decline_code,
    outcomeType: r.outcome_type,
    outcomeReason: r.outcome_reason,
    outcomeNetworkStatus: null,
    occurredAt: r.occurred_at,
  };
}
