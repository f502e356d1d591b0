/**
 * Live facts: the current state of a payment read from Stripe just before deciding, when a key
 * is configured (status, whether Stripe Billing has a retry booked, its attempt count, and for
 * a basil invoice the PaymentIntents that paid it). Tests inject a fake {@link LiveFacts} or
 * point the real SDK at a local server.
 */
import type Stripe from 'stripe';
import type { Logger } from '../log.ts';

export type LiveSnapshot = {
  status: string | null;
  /** Epoch seconds of Stripe Billing's next attempt, or null. */
  nextPaymentAttempt: number | null;
  attemptCount: number | null;
  paymentIntentIds: string[];
};

export type LiveFacts = {
  fetch(ids: { paymentIntentId: string | null; invoiceId: string | null }): Promise<LiveSnapshot>;
};

/** Live facts through the official Stripe client. */
export function makeLiveFacts(stripe: Stripe, log: Logger): LiveFacts {
  return {
    async fetch({ paymentIntentId, invoiceId }) {
      if (invoiceId) {
        const invoice = (await stripe.invoices.retrieve(invoiceId, {
          expand: ['payments'],
        })) as unknown as Record<string, unknown>;
        const payments = ((invoice.payments as { data?: unknown[] } | undefined)?.data ?? []) as Array<{
          payment?: { payment_intent?: string | { id: string } };
        }>;
        const ids = payments
          .map((p) => p.payment?.payment_intent)
          .map((pi) => (typeof pi === 'string' ? pi : pi?.id))
          .filter((id): id is string => !!id);
        const legacy = invoice.payment_intent;
        if (typeof legacy === 'string') ids.push(legacy);
        log.debug({ invoiceId, status: invoice.status }, 'live invoice facts read');
        return {
          status: (invoice.status as string | null) ?? null,
          nextPaymentAttempt: (invoice.next_payment_attempt as number | null) ?? null,
          attemptCount: (invoice.attempt_count as number | null) ?? null,
          paymentIntentIds: [...new Set(ids)],
        };
      }
      if (paymentIntentId) {
        const pi = await stripe.paymentIntents.retrieve(paymentIntentId);
        log.debug({ paymentIntentId, status: pi.status }, 'live payment intent facts read');
        return { status: pi.status, nextPaymentAttempt: null, attemptCount: null, paymentIntentIds: [] };
      }
      return { status: null, nextPaymentAttempt: null, attemptCount: null, paymentIntentIds: [] };
    },
  };
}

/** Live statuses that mean the payment needs nothing more from us. */
export const FINISHED_STATUSES: ReadonlySet<string> = new Set([
  'succeeded',
  'canceled',
  'paid',
  'void',
  'uncollectible',
]);
