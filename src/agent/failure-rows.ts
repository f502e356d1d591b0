/**
 * Helpers of the failure handler: the failure row written for an attempt, the fields a later
 * event of the same attempt completes, and the case's facts merged from an event.
 */
import { type CaseFacts, parseFacts } from '../store/case-facts.ts';
import { type CaseRow, updateCase } from '../store/cases.ts';
import type { Db } from '../store/db.ts';
import { countFailures, type FailureRow } from '../store/failures.ts';
import type { InboxRow } from '../store/inbox.ts';
import type { EventFacts, FailureFacts } from './facts.ts';

/** Merges the event's facts into the case row; returns the merged facts. */
export function saveFacts(db: Db, row: CaseRow, facts: EventFacts, now: number): CaseFacts {
  const merged: CaseFacts = { ...parseFacts(row.facts_json), ...definedFacts(facts.caseFacts) };
  const count = countFailures(db, row.id);
  updateCase(
    db,
    row.id,
    {
      factsJson: JSON.stringify(merged),
      failureCount: count,
      lastEventCreated: Math.max(row.last_event_created ?? 0, facts.created ?? 0) || null,
      ...(row.payment_intent_id ? {} : { paymentIntentId: facts.paymentIntentId }),
      ...(row.invoice_id ? {} : { invoiceId: facts.invoiceId }),
      ...(row.customer_id ? {} : { customerId: facts.customerId }),
      ...(row.subscription_id ? {} : { subscriptionId: facts.subscriptionId }),
      ...(row.amount !== null ? {} : { amount: facts.amount }),
      ...(row.currency ? {} : { currency: facts.currency }),
    },
    now,
  );
  return merged;
}

/** The facts without undefined fields (so they do not erase known ones). */
export function definedFacts(facts: CaseFacts): CaseFacts {
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as CaseFacts;
}

/** The failure row for a new attempt. */
export function failureRow(caseId: string, attemptKey: string, f: FailureFacts, row: InboxRow) {
  return {
    case_id: caseId,
    attempt_key: attemptKey,
    ...completion(f),
    source: row.transport === 'internal' ? ('retry' as const) : ('webhook' as const),
    inbox_id: row.id,
    occurred_at: f.occurredAt,
  };
}

/** What a later event of the same attempt may fill in. */
export function completion(f: FailureFacts) {
  return {
    charge_id: f.chargeId,
    payment_method_id: f.paymentMethodId,
    card_fingerprint: f.cardFingerprint,
    card_brand: f.cardBrand,
    code: f.code,
    decline_code: f.declineCode,
    advice_code: f.adviceCode,
    network_advice_code: f.networkAdviceCode,
    network_decline_code: f.networkDeclineCode,
    outcome_type: f.outcomeType,
    outcome_reason: f.outcomeReason,
  };
}

/** A recorded failure's decline signals. */
export function rowSignals(r: FailureRow) {
  return {
    code: r.code,
    declineCode: r.decline_code,
    adviceCode: r.advice_code,
    networkAdviceCode: r.network_advice_code,
    networkDeclineCode: r.network_decline_code,
    outcomeType: r.outcome_type,
    outcomeReason: r.outcome_reason,
    cardBrand: r.card_brand,
  };
}

/** The recorded attempt completed with what the new event knows (recorded values win). */
export function mergedFacts(r: FailureRow, f: FailureFacts): FailureFacts {
  return {
    ...f,
    chargeId: r.charge_id ?? f.chargeId,
    paymentMethodId: r.payment_method_id ?? f.paymentMethodId,
    cardFingerprint: r.card_fingerprint ?? f.cardFingerprint,
    cardBrand: r.card_brand ?? f.cardBrand,
    code: r.code ?? f.code,
    declineCode: r.decline_code ?? f.declineCode,
    adviceCode: r.advice_code ?? f.adviceCode,
    networkAdviceCode: r.network_advice_code ?? f.networkAdviceCode,
    networkDeclineCode: r.network_decline_code ?? f.networkDeclineCode,
    outcomeType: r.outcome_type ?? f.outcomeType,
    outcomeReason: r.outcome_reason ?? f.outcomeReason,
    occurredAt: r.occurred_at,
  };
}
