/**
 * Payment attempts in the local Stripe stand-in: confirming a PaymentIntent and paying an
 * invoice, decided by the object's script (like Stripe's test cards), each attempt creating its
 * own charge, a decline answered as a 402 `card_error` the way Stripe shapes it.
 */
import type { Request, Response } from 'express';
import type { PaymentScript } from './fake-stripe.ts';
import * as make from './fake-stripe-objects.ts';
import type { StripeObject } from './fake-stripe-objects.ts';
import { missing, send } from './fake-stripe-http.ts';

export type PaymentState = Parameters<typeof outcomeFor>[0];

/** Decides one payment attempt for `id` from its script, creating the attempt's charge. */
function outcomeFor(
  state: {
    scripts: Map<string, PaymentScript>;
    attempts: Map<string, number>;
    charges: Map<string, StripeObject>;
  },
  id: string,
  base: {
    amount: unknown;
    currency: unknown;
    customer: unknown;
    paymentMethod: string;
    paymentIntent: string | null;
  },
):
  | { ok: true; charge: StripeObject }
  | { ok: false; charge: StripeObject; code: string; declineCode: string } {
  const attempt = (state.attempts.get(id) ?? 0) + 1;
  state.attempts.set(id, attempt);
  const script = state.scripts.get(id) ?? { kind: 'succeed' };
  const succeeds =
    script.kind === 'succeed' || (script.kind === 'decline_until' && attempt >= script.succeedOnAttempt);
  const declineCode =
    script.kind === 'authentication_required'
      ? 'authentication_required'
      : ('declineCode' in script && script.declineCode) ||
        (script.kind === 'decline' ? 'generic_decline' : 'insufficient_funds');
  const code = script.kind === 'authentication_required' ? 'authentication_required' : 'card_declined';
  const charge = make.charge({
    id: make.fakeId('ch'),
    amount: base.amount,
    currency: base.currency,
    customer: base.customer,
    payment_intent: base.paymentIntent,
    payment_method: base.paymentMethod,
    status: succeeds ? 'succeeded' : 'failed',
    paid: succeeds,
    failure_code: succeeds ? null : code,
    outcome: succeeds
      ? { type: 'authorized', network_status: 'approved_by_network', reason: null }
      : { type: 'issuer_declined', network_status: 'declined_by_network', reason: declineCode },
  });
  state.charges.set(charge.id, charge);
  return succeeds ? { ok: true, charge } : { ok: false, charge, code, declineCode };
}

export function confirm(
  state: PaymentState & {
    paymentIntents: Map<string, StripeObject>;
    paymentMethods: Map<string, StripeObject>;
  },
  req: Request,
  res: Response,
) {
  const pi = state.paymentIntents.get(String(req.params.id));
  if (!pi) return missing(res, 'payment_intent', String(req.params.id));
  if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(String(pi.status))) {
    return send(
      res,
      400,
      make.errorBody('invalid_request_error', {
        code: 'payment_intent_unexpected_state',
        message: `This PaymentIntent's status is ${pi.status}, so it cannot be confirmed.`,
        payment_intent: pi,
      }),
    );
  }
  const pm =
    typeof req.body?.payment_method === 'string'
      ? req.body.payment_method
      : (pi.payment_method as string | null);
  if (!pm) {
    return send(
      res,
      400,
      make.errorBody('invalid_request_error', {
        code: 'payment_intent_unexpected_state',
        message: "You cannot confirm this PaymentIntent because it's missing a payment method.",
        payment_intent: pi,
      }),
    );
  }
  const result = outcomeFor(state, pi.id, {
    amount: pi.amount,
    currency: pi.currency,
    customer: pi.customer,
    paymentMethod: pm,
    paymentIntent: pi.id,
  });
  pi.latest_charge = result.charge.id;
  if (result.ok) {
    Object.assign(pi, {
      status: 'succeeded',
      payment_method: pm,
      amount_received: pi.amount,
      last_payment_error: null,
    });
    return send(res, 200, pi);
  }
  const method = state.paymentMethods.get(pm) ?? make.paymentMethod(pm);
  const needsAuth = result.code === 'authentication_required';
  const lastError = {
    type: 'card_error',
    code: result.code,
    decline_code: result.declineCode,
    charge: result.charge.id,
    message: make.DECLINE_MESSAGES[result.declineCode] ?? 'Your card was declined.',
    payment_method: method,
  };
  Object.assign(pi, {
    status: needsAuth ? 'requires_action' : 'requires_payment_method',
    payment_method: needsAuth ? pm : null,
    last_payment_error: lastError,
    next_action: needsAuth ? { type: 'use_stripe_sdk', use_stripe_sdk: {} } : null,
  });
  return send(res, 402, { error: { ...lastError, payment_intent: pi } });
}

export function payInvoice(
  state: PaymentState & { invoices: Map<string, StripeObject> },
  req: Request,
  res: Response,
) {
  const inv = state.invoices.get(String(req.params.id));
  if (!inv) return missing(res, 'invoice', String(req.params.id));
  if (inv.status !== 'open') {
    return send(
      res,
      400,
      make.errorBody('invalid_request_error', {
        code: 'invoice_not_open',
        message: `Invoice is ${inv.status}.`,
      }),
    );
  }
  const pm = typeof req.body?.payment_method === 'string' ? req.body.payment_method : 'pm_card_on_file';
  const result = outcomeFor(state, inv.id, {
    amount: inv.amount_due,
    currency: inv.currency,
    customer: inv.customer,
    paymentMethod: pm,
    paymentIntent: null,
  });
  inv.attempt_count = Number(inv.attempt_count ?? 0) + 1;
  if (result.ok) {
    Object.assign(inv, { status: 'paid', paid: true, amount_paid: inv.amount_due, amount_remaining: 0 });
    return send(res, 200, inv);
  }
  return send(
    res,
    402,
    make.errorBody('card_error', {
      code: result.code,
      decline_code: result.declineCode,
      charge: result.charge.id,
      message: make.DECLINE_MESSAGES[result.declineCode] ?? 'Your card was declined.',
    }),
  );
}
