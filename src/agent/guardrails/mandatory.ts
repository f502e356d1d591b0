/**
 * Actions the policy makes mandatory whatever the planner proposed: escalate at the failure
 * threshold, past the 60-day retry window, for a high amount, an unknown decline or a decline class that needs a person, and
 * the authentication notice when the customer must authenticate.
 */
import type { PlannerContext } from '../context-types.ts';
import type { DeclineClass } from '../declines.ts';
import { retryWindowClosed } from './retry-rules.ts';
import type { FinalAction } from './types.ts';

/** Decline classes that always go to a person at once. */
export const ESCALATE_CLASSES: ReadonlySet<DeclineClass> = new Set([
  'hard_stop',
  'revoked',
  'fraud',
  'radar_block',
  'stripe_velocity_block',
  'integration_error',
]);

/** Why this decision must escalate, as `{ rule, reason, urgency }`, or `undefined`. */
export function mandatoryEscalation(
  ctx: PlannerContext,
): { rule: string; reason: string; urgency: 'normal' | 'high' } | undefined {
  if (ctx.case.status === 'closed' || ctx.history.escalated || !ctx.failure) return undefined;
  const cls = ctx.failure.classification.class;
  if (ctx.failure.number >= ctx.policy.escalateAfterFailures) {
    return {
      rule: 'escalate_threshold',
      reason: `failure ${ctx.failure.number} reached the threshold of ${ctx.policy.escalateAfterFailures}`,
      urgency: 'normal',
    };
  }
  if (retryWindowClosed(ctx)) {
    return {
      rule: 'escalate_retry_window',
      reason: 'the first failure is older than 60 days: no automated retry, a person decides',
      urgency: 'normal',
    };
  }
  if (ctx.signals.highAmount) {
    return { rule: 'escalate_high_amount', reason: `high amount: ${ctx.payment.display}`, urgency: 'high' };
  }
  if (cls === 'unknown' && ctx.policy.escalateOnUnknownDecline) {
    return {
      rule: 'escalate_unknown_decline',
      reason: `unknown decline (${ctx.failure.classification.signal})`,
      urgency: 'normal',
    };
  }
  if (ESCALATE_CLASSES.has(cls)) {
    return {
      rule: 'escalate_decline_class',
      reason: `a ${cls} decline (${ctx.failure.classification.signal}) needs a person`,
      urgency: cls === 'fraud' || cls === 'radar_block' ? 'high' : 'normal',
    };
  }
  if (cls === 'needs_authentication' && ctx.policy.escalateOnAuthenticationRequired) {
    return {
      rule: 'escalate_authentication',
      reason: 'the customer must authenticate (policy)',
      urgency: 'normal',
    };
  }
  return undefined;
}

/** The mandatory escalation as a final action. */
export function mandatoryEscalateAction(ctx: PlannerContext): FinalAction | undefined {
  const why = mandatoryEscalation(ctx);
  if (!why) return undefined;
  return {
    tool: 'escalate_to_human',
    input: { summary: why.reason, urgency: why.urgency, rationale: `mandatory: ${why.rule}` },
    source: 'mandatory',
    rule: why.rule,
  };
}

/** The authentication notice, when the customer must authenticate and was not told about this failure. */
export function mandatoryAuthNotice(ctx: PlannerContext): FinalAction | undefined {
  const f = ctx.failure;
  if (ctx.case.status === 'closed' || !f || !f.isNew || f.classification.class !== 'needs_authentication') {
    return undefined;
  }
  if (ctx.budgets.noticesLeft <= 0) return undefined;
  if (ctx.history.notices.some((n) => n.failureKey === f.attemptKey)) return undefined;
  return {
    tool: 'notify_customer',
    input: { template: 'authenticate', rationale: 'mandatory: authenticate_notice' },
    source: 'mandatory',
    rule: 'authenticate_notice',
  };
}
