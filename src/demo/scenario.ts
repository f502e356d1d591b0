/**
 * The demo's three payments, each behaving like one of Stripe's test cards, and the Stripe
 * events about them. Events are built from the repository's own fixtures
 * (`test/fixtures/stripe/`), so the demo feeds the daemon the same shapes the tests do.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FakeStripe, PaymentScript } from '../fakes/fake-stripe.ts';
import type { StripeEvent } from './kite-post.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/stripe/', import.meta.url));

/** One payment of the demo. */
export type DemoPayment = {
  id: string;
  customerId: string;
  email: string;
  amount: number;
  currency: string;
  /** Which Stripe test card it behaves like. */
  card: string;
  /** What the agent should end up doing. */
  expect: string;
  script: PaymentScript;
  lastPaymentError: Record<string, unknown>;
};

const pm = (id: string) => ({ id, object: 'payment_method', type: 'card' });

/** The three payments, in the order the demo posts and reports them. */
export const DEMO_PAYMENTS: readonly DemoPayment[] = [
  {
    id: 'pi_demo_always_declines',
    customerId: 'cus_demo_ada',
    email: 'ada.lovelace@example.com',
    amount: 4900,
    currency: 'usd',
    card: 'a card that always declines (like 4000 0000 0000 0002)',
    expect: 'two retries and two notices, then an escalation to a person',
    script: { kind: 'decline', declineCode: 'generic_decline' },
    lastPaymentError: {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
      payment_method: pm('pm_demo_declines'),
    },
  },
  {
    id: 'pi_demo_funds_then_ok',
    customerId: 'cus_demo_grace',
    email: 'grace.hopper@example.com',
    amount: 1999,
    currency: 'eur',
    card: 'a card with insufficient funds that succeeds on the next try (like 4000 0000 0000 9995, later topped up)',
    expect: 'a notice and one retry that succeeds; the case closes and the customer is told it went through',
    script: { kind: 'decline_until', succeedOnAttempt: 1, declineCode: 'insufficient_funds' },
    lastPaymentError: {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
      payment_method: pm('pm_demo_funds'),
    },
  },
  {
    id: 'pi_demo_needs_auth',
    customerId: 'cus_demo_alan',
    email: 'alan.turing@example.com',
    amount: 5000,
    currency: 'jpy',
    card: 'a card that needs authentication off-session (like 4000 0027 6000 3184)',
    expect: 'a notice asking the customer to authenticate, and no off-session retry',
    script: { kind: 'authentication_required' },
    lastPaymentError: {
      type: 'card_error',
      code: 'authentication_required',
      decline_code: 'authentication_not_handled',
      message: 'Your card was declined. This transaction requires authentication.',
      payment_method: pm('pm_demo_auth'),
    },
  },
];

function fixture(name: string): StripeEvent {
  return JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as StripeEvent;
}

let sequence = 0;
function envelope(template: StripeEvent, type: string, object: Record<string, unknown>, nowMs: number) {
  sequence += 1;
  const { request: _request, ...rest } = template;
  return {
    ...rest,
    id: `evt_demo_${Date.now().toString(36)}_${sequence}`,
    type,
    created: Math.floor(nowMs / 1000),
    livemode: false,
    data: { object },
  } satisfies StripeEvent;
}

/** Registers the demo's customers and PaymentIntents (already failed once) with the fake Stripe. */
export function seedFakeStripe(stripe: FakeStripe, nowMs: number): void {
  for (const p of DEMO_PAYMENTS) {
    stripe.addCustomer({ id: p.customerId, email: p.email, name: null });
    const chargeId = `ch_demo_first_${p.id.slice(8)}`;
    stripe.addPaymentIntent(
      {
        id: p.id,
        amount: p.amount,
        currency: p.currency,
        customer: p.customerId,
        created: Math.floor(nowMs / 1000) - 60,
        latest_charge: chargeId,
        last_payment_error: { ...p.lastPaymentError, charge: chargeId },
        metadata: {},
      },
      p.script,
    );
  }
}

/** The first `payment_intent.payment_failed` of a demo payment, shaped like the fixture. */
export function firstFailureEvent(stripe: FakeStripe, payment: DemoPayment, nowMs: number): StripeEvent {
  const template = fixture('pi-failed-latest-charge.json');
  const pi = stripe.paymentIntents.get(payment.id)!;
  return envelope(template, 'payment_intent.payment_failed', structuredClone(pi), nowMs);
}

/** The event Stripe sends after a confirm: failed again, or succeeded. */
export function followUpEvent(stripe: FakeStripe, paymentIntentId: string, nowMs: number): StripeEvent {
  const pi = structuredClone(stripe.paymentIntents.get(paymentIntentId)!);
  if (pi.status === 'succeeded') {
    return envelope(fixture('pi-succeeded.json'), 'payment_intent.succeeded', pi, nowMs);
  }
  return envelope(fixture('pi-failed-latest-charge.json'), 'payment_intent.payment_failed', pi, nowMs);
}
