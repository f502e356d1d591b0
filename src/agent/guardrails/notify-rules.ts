/**
 * Guardrails on `notify_customer`: at most one notice per failure and a per-case budget, the
 * template must tell the truth about the case (no "we'll retry" when no retry is scheduled, the
 * authentication notice when the customer must authenticate), and some cases get no notice.
 */
import type { NoticeTemplate, NotifyCustomerInput, ToolCall } from '../../tools/schemas.ts';
import type { PlannerContext } from '../context-types.ts';
import type { RuleOutcome } from './types.ts';

type NotifyCall = { tool: 'notify_customer'; input: NotifyCustomerInput };
/** What the notice rules know about the rest of this decision. */
export type NotifyState = { retryAllowed: boolean };
type NotifyRule = (call: NotifyCall, ctx: PlannerContext, state: NotifyState) => RuleOutcome | undefined;

const reject = (rule: string, reason: string): RuleOutcome => ({ verdict: 'reject', rule, reason });
const amend = (call: NotifyCall, template: NoticeTemplate, rule: string, reason: string): RuleOutcome => ({
  verdict: 'amend',
  rule,
  reason,
  call: { tool: 'notify_customer', input: { ...call.input, template } } satisfies ToolCall,
});

/** The recovery notice is sent by code when a payment really succeeds, never on a proposal. */
export const recoveryByCode: NotifyRule = (call) =>
  call.input.template === 'payment_recovered'
    ? reject(
        'recovery_notice_by_code',
        'the recovery notice is only sent when Stripe reports the payment paid',
      )
    : undefined;

/** A notice needs a failure, and at most one notice goes out per failure. */
export const oncePerFailure: NotifyRule = (_call, ctx) => {
  if (!ctx.failure) return reject('notice_per_failure', 'there is no failure to tell the customer about');
  const key = ctx.failure.attemptKey;
  return ctx.history.notices.some((n) => n.failureKey === key && n.state !== 'canceled')
    ? reject('notice_per_failure', 'the customer was already notified about this failure')
    : undefined;
};

/** At most `maxNoticesPerCase` notices per case. */
export const noticeBudget: NotifyRule = (_call, ctx) =>
  ctx.budgets.noticesLeft <= 0
    ? reject('notice_budget', `at most ${ctx.policy.maxNoticesPerCase} notices per case`)
    : undefined;

/** During a processor outage the customer's card is fine: no notice. */
export const stormQuiet: NotifyRule = (_call, ctx) =>
  ctx.signals.storm && ctx.failure?.classification.class === 'transient'
    ? reject('storm_hold', 'processor outage: customers are not told about our processor errors')
    : undefined;

/** A revoked authorisation or a Radar block gets no customer copy (escalated instead). */
export const noPressure: NotifyRule = (_call, ctx) => {
  const cls = ctx.failure?.classification.class;
  return cls === 'revoked' || cls === 'radar_block' || cls === 'integration_error'
    ? reject('no_customer_notice', `no customer notice for a ${cls} failure`)
    : undefined;
};

/** The template must fit the failure. */
export const truthfulTemplate: NotifyRule = (call, ctx, state) => {
  const cls = ctx.failure?.classification.class;
  const template = call.input.template;
  if (cls === 'needs_authentication') {
    return template === 'authenticate'
      ? undefined
      : amend(call, 'authenticate', 'authenticate_notice', 'the customer must authenticate');
  }
  if (template === 'authenticate') {
    return amend(call, 'update_payment_method', 'truthful_notice', 'no authentication is pending');
  }
  if (cls === 'fraud' && template !== 'update_payment_method') {
    return amend(
      call,
      'update_payment_method',
      'generic_notice',
      'a fraud-type decline gets the generic notice',
    );
  }
  const expired = ctx.failure?.declineCode === 'expired_card' || ctx.failure?.code === 'expired_card';
  if (template === 'card_expired' && !expired) {
    return amend(call, 'update_payment_method', 'truthful_notice', 'the card has not expired');
  }
  if (template === 'first_failure' && !state.retryAllowed && !ctx.billing.retryBooked) {
    return amend(call, 'update_payment_method', 'truthful_notice', 'no retry is scheduled');
  }
  return undefined;
};

export const NOTIFY_RULES: readonly NotifyRule[] = [
  recoveryByCode,
  oncePerFailure,
  noticeBudget,
  stormQuiet,
  noPressure,
  truthfulTemplate,
];
