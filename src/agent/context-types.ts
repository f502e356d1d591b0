/**
 * The planner context: everything a planner may see about one decision, as plain JSON. It is
 * stored whole on the decision row, so a recorded decision can be re-decided offline. It holds
 * no e-mail, name, address or card number; customer-supplied text sits under `untrusted` and is
 * data, never instructions.
 */
import type { Classification } from './declines.ts';

export type Trigger = 'failure' | 'failure_details' | 'card_updated';

export type FailureView = {
  attemptKey: string;
  /** 1-based: this is the n-th failure of the case. */
  number: number;
  /** Whether this decision was caused by this failure arriving (false: a later trigger). */
  isNew: boolean;
  occurredAt: number;
  chargeId: string | null;
  /** Where the failed charge was found (`last_payment_error.charge`, `latest_charge`, …). */
  chargeSource: string;
  code: string | null;
  declineCode: string | null;
  adviceCode: string | null;
  networkAdviceCode: string | null;
  networkDeclineCode: string | null;
  outcome: { type: string | null; reason: string | null; networkStatus: string | null } | null;
  cardBrand: string | null;
  classification: Classification;
};

export type PlannerContext = {
  schema: 1;
  /** The decision time (UTC epoch ms); guardrails read time only from here. */
  now: number;
  trigger: Trigger;
  case: {
    id: string;
    kind: 'payment_intent' | 'invoice' | 'charge';
    status: 'open' | 'closed';
    livemode: boolean;
    openedAt: number;
    paymentIntentId: string | null;
    invoiceId: string | null;
    customerId: string | null;
    subscriptionId: string | null;
  };
  event: { id: string; type: string; created: number | null; apiVersion: string | null; livemode: boolean };
  payment: {
    /** Stripe's integer amount in the currency's minor unit. */
    amount: number | null;
    currency: string | null;
    decimals: number | null;
    /** The same amount in major units (yen, dollars, dinars). */
    amountMajor: number | null;
    display: string | null;
  };
  failure: FailureView | null;
  policy: {
    retryDelaysSeconds: number[];
    escalateAfterFailures: number;
    maxNoticesPerCase: number;
    escalateOnUnknownDecline: boolean;
    escalateOnAuthenticationRequired: boolean;
    highAmountThresholdMajor: number | null;
  };
  history: {
    failures: Array<{
      number: number;
      at: number;
      code: string | null;
      declineCode: string | null;
      class: string;
    }>;
    retries: Array<{ attempt: number; dueAt: number; state: string }>;
    notices: Array<{ template: string; failureKey: string; at: number; state: string }>;
    escalated: boolean;
    cardUpdatedAt: number | null;
  };
  budgets: {
    failures: number;
    retriesUsed: number;
    retriesLeftByPolicy: number;
    /** The policy's delay for the next retry, or null when the policy has none left. */
    nextRetryDelaySeconds: number | null;
    reattempts30d: number;
    reattemptsLeft30d: number;
    cardDeclines24h: number;
    cardDeclinesLeft24h: number;
    noticesSent: number;
    noticesLeft: number;
    minDelaySeconds: number;
    maxDelaySeconds: number;
    /** Retry delays are counted from here (the failure time, or now after a card update). */
    retryBaseAt: number;
    /** No retry may be due before this (Mastercard advice, a storm hold), or null. */
    earliestRetryAt: number | null;
  };
  billing: {
    /** Stripe Billing already has its own retry booked for this invoice. */
    retryBooked: boolean;
    nextPaymentAttempt: number | null;
    attemptCount: number | null;
    source: 'live' | 'event' | 'none';
  };
  live: { fetched: boolean; status: string | null; error: string | null };
  signals: {
    highAmount: boolean;
    storm: { incidentId: string; since: number; holdUntil: number } | null;
  };
  untrusted: { notice: string; metadata: Record<string, string>; description: string | null } | null;
};
