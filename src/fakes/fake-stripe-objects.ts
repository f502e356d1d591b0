/**
 * The objects the local Stripe stand-in serves, built the way Stripe shapes them (current API
 * version: `latest_charge`, no `charges` list), and Stripe's JSON error bodies.
 */

export type StripeObject = Record<string, unknown> & { id: string; object: string };

let sequence = 0;
/** A fresh id with Stripe's prefix (`ch`, `pi`, `req`). */
export function fakeId(prefix: string): string {
  sequence += 1;
  return `${prefix}_fake${Date.now().toString(36)}${sequence.toString(36).padStart(4, '0')}`;
}

export function paymentIntent(init: Partial<StripeObject> & { id: string }): StripeObject {
  return {
    object: 'payment_intent',
    amount: 2000,
    amount_received: 0,
    currency: 'usd',
    customer: null,
    status: 'requires_payment_method',
    payment_method: null,
    last_payment_error: null,
    latest_charge: null,
    receipt_email: null,
    livemode: false,
    created: Math.floor(Date.now() / 1000),
    capture_method: 'automatic',
    confirmation_method: 'automatic',
    description: null,
    metadata: {},
    next_action: null,
    ...init,
  };
}

export function invoice(init: Partial<StripeObject> & { id: string }): StripeObject {
  return {
    object: 'invoice',
    amount_due: 2000,
    amount_paid: 0,
    amount_remaining: 2000,
    attempt_count: 1,
    attempted: true,
    currency: 'usd',
    customer: null,
    customer_email: null,
    status: 'open',
    hosted_invoice_url: `https://invoice.stripe.com/i/${init.id}`,
    next_payment_attempt: null,
    livemode: false,
    created: Math.floor(Date.now() / 1000),
    metadata: {},
    ...init,
  };
}

export function customer(init: Partial<StripeObject> & { id: string }): StripeObject {
  return {
    object: 'customer',
    email: null,
    name: null,
    livemode: false,
    created: Math.floor(Date.now() / 1000),
    invoice_settings: { default_payment_method: null },
    metadata: {},
    ...init,
  };
}

export function paymentMethod(id: string, init: Partial<StripeObject> = {}): StripeObject {
  return {
    id,
    object: 'payment_method',
    type: 'card',
    customer: null,
    billing_details: { email: null, name: null },
    card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030, fingerprint: `fp_${id}` },
    livemode: false,
    created: Math.floor(Date.now() / 1000),
    ...init,
  };
}

export function charge(init: Partial<StripeObject> & { id: string }): StripeObject {
  return {
    object: 'charge',
    amount: 2000,
    currency: 'usd',
    status: 'failed',
    paid: false,
    customer: null,
    payment_intent: null,
    payment_method: null,
    billing_details: { email: null, name: null },
    failure_code: null,
    outcome: null,
    livemode: false,
    created: Math.floor(Date.now() / 1000),
    ...init,
  };
}

/** A Stripe error body. */
export function errorBody(type: string, fields: Record<string, unknown>): { error: Record<string, unknown> } {
  return {
    error: { type, doc_url: `https://stripe.com/docs/error-codes/${fields.code ?? type}`, ...fields },
  };
}

export const DECLINE_MESSAGES: Record<string, string> = {
  generic_decline: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  expired_card: 'Your card has expired.',
  do_not_honor: 'Your card was declined.',
  authentication_required: 'Your card was declined. This transaction requires authentication.',
};
