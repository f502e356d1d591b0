/**
 * Small builders for agent tests: Stripe-shaped events of every kind the agent reads, and
 * planner contexts made through the real context builder.
 */
import { type ContextInput, buildContext } from '../../src/agent/context.ts';
import type { PlannerContext } from '../../src/agent/context-types.ts';
import type { FailureFacts } from '../../src/agent/facts.ts';
import { DEFAULT_POLICY, type Policy } from '../../src/agent/policy.ts';

export const T0 = Date.UTC(2026, 10, 2, 12, 0, 0);

let seq = 0;
const nextId = (prefix: string) => `${prefix}_test_${++seq}`;

export type DeclineOpts = {
  code?: string | null;
  decline_code?: string | null;
  advice_code?: string | null;
  network_advice_code?: string | null;
  network_decline_code?: string | null;
};

/** A `payment_intent.payment_failed` event in the current API shape. */
export function piFailed(
  opts: {
    pi?: string;
    charge?: string;
    created?: number;
    amount?: number;
    currency?: string;
    customer?: unknown;
    livemode?: boolean;
    invoice?: string | null;
    decline?: DeclineOpts;
    metadata?: Record<string, string>;
    id?: string;
    fingerprint?: string;
    brand?: string;
  } = {},
) {
  const pi = opts.pi ?? 'pi_test_1';
  const charge = opts.charge ?? nextId('ch');
  const created = opts.created ?? Math.floor(T0 / 1000);
  const d = opts.decline ?? { code: 'card_declined', decline_code: 'generic_decline' };
  return {
    id: opts.id ?? nextId('evt'),
    object: 'event',
    type: 'payment_intent.payment_failed',
    api_version: '2026-11-18.endive',
    created,
    livemode: opts.livemode ?? false,
    data: {
      object: {
        id: pi,
        object: 'payment_intent',
        amount: opts.amount ?? 2000,
        currency: opts.currency ?? 'usd',
        customer: 'customer' in opts ? opts.customer : 'cus_test_1',
        status: 'requires_payment_method',
        latest_charge: charge,
        ...(opts.invoice !== undefined ? { invoice: opts.invoice } : {}),
        metadata: opts.metadata ?? {},
        last_payment_error: {
          type: 'card_error',
          charge,
          ...d,
          payment_method: {
            id: 'pm_test_1',
            object: 'payment_method',
            card: {
              brand: opts.brand ?? 'visa',
              fingerprint: opts.fingerprint ?? 'fp_test_1',
              last4: '4242',
            },
            billing_details: { email: 'payer@example.invalid', name: 'Fake Payer' },
          },
        },
      },
    },
  };
}

/** A `charge.failed` event for the same attempt as a {@link piFailed} with that charge. */
export function chargeFailed(opts: { pi?: string; charge: string; created?: number; reason?: string }) {
  return {
    id: nextId('evt'),
    object: 'event',
    type: 'charge.failed',
    api_version: '2026-11-18.endive',
    created: opts.created ?? Math.floor(T0 / 1000),
    livemode: false,
    data: {
      object: {
        id: opts.charge,
        object: 'charge',
        amount: 2000,
        currency: 'usd',
        customer: null,
        payment_intent: opts.pi ?? 'pi_test_1',
        failure_code: 'card_declined',
        outcome: {
          type: 'issuer_declined',
          reason: opts.reason ?? 'generic_decline',
          network_status: 'declined_by_network',
        },
        payment_method_details: { card: { brand: 'visa', fingerprint: 'fp_test_1' } },
      },
    },
  };
}

/** A terminal or card-update event on an object. */
export function simpleEvent(type: string, object: Record<string, unknown>, created = Math.floor(T0 / 1000)) {
  return {
    id: nextId('evt'),
    object: 'event',
    type,
    api_version: '2026-11-18.endive',
    created,
    livemode: false,
    data: { object },
  };
}

/** A failure fact as the context builder takes it. */
export function failureFacts(
  decline: DeclineOpts = {},
  over: Partial<FailureFacts> = {},
): FailureFacts & { attemptKey: string; isNew: boolean } {
  return {
    chargeId: 'ch_test_ctx',
    chargeSource: 'last_payment_error.charge',
    paymentMethodId: 'pm_test_1',
    cardFingerprint: 'fp_test_1',
    cardBrand: 'visa',
    code: decline.code ?? 'card_declined',
    declineCode: decline.decline_code ?? null,
    adviceCode: decline.advice_code ?? null,
    networkAdviceCode: decline.network_advice_code ?? null,
    networkDeclineCode: decline.network_decline_code ?? null,
    outcomeType: null,
    outcomeReason: null,
    outcomeNetworkStatus: null,
    occurredAt: T0,
    attemptKey: 'ch_test_ctx',
    isNew: true,
    ...over,
  };
}

/** A context through the real builder; `priorFailures` adds recorded failures and their jobs. */
export function makeContext(
  opts: {
    decline?: DeclineOpts;
    priorFailures?: number;
    policy?: Policy;
    livemode?: boolean;
    status?: 'open' | 'closed';
    amount?: number;
    currency?: string;
    over?: Partial<ContextInput>;
    failure?: Partial<FailureFacts>;
  } = {},
): PlannerContext {
  const prior = opts.priorFailures ?? 0;
  const recorded = Array.from({ length: prior }, (_, i) => ({
    attemptKey: `ch_prior_${i + 1}`,
    occurredAt: T0 - (prior - i) * 3_600_000,
    code: 'card_declined',
    declineCode: 'generic_decline',
    cls: 'ambiguous_soft',
  }));
  const jobs = recorded.flatMap((f, i) => [
    {
      tool: 'retry_payment',
      args: { attempt: i + 1, failureKey: f.attemptKey },
      dueAt: f.occurredAt + 1800_000,
      state: 'done',
      createdAt: f.occurredAt,
    },
    {
      tool: 'notify_customer',
      args: { template: i === 0 ? 'first_failure' : 'update_payment_method', failureKey: f.attemptKey },
      dueAt: f.occurredAt,
      state: 'done',
      createdAt: f.occurredAt,
    },
  ]);
  return buildContext({
    now: T0 + 1000,
    trigger: 'failure',
    policy: opts.policy ?? DEFAULT_POLICY,
    caseInfo: {
      id: 'pi_test_1',
      kind: 'payment_intent',
      status: opts.status ?? 'open',
      livemode: opts.livemode ?? false,
      openedAt: T0 - prior * 3_600_000,
      paymentIntentId: 'pi_test_1',
      invoiceId: null,
      customerId: 'cus_test_1',
      subscriptionId: null,
      amount: opts.amount ?? 2000,
      currency: opts.currency ?? 'usd',
    },
    event: {
      id: 'evt_test_ctx',
      type: 'payment_intent.payment_failed',
      created: Math.floor(T0 / 1000),
      apiVersion: null,
      livemode: opts.livemode ?? false,
    },
    failure: failureFacts(
      opts.decline ?? { code: 'card_declined', decline_code: 'generic_decline' },
      opts.failure,
    ),
    recorded,
    jobs,
    cardDeclines24h: prior,
    cardUpdatedAt: null,
    billing: { retryBooked: false, nextPaymentAttempt: null, attemptCount: null, source: 'none' },
    live: { fetched: false, status: null, error: null },
    storm: null,
    untrusted: null,
    ...opts.over,
  });
}
