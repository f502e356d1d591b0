/**
 * The rules planner: the policy as code. It is the default without an API key and the fallback
 * when the model fails. Three strikes by default: notify and retry, notify ("update your card")
 * and retry, then escalate; each decline class as the guardrail table says. A case whose first
 * failure is older than the 60-day retry window goes to a person.
 */
import type { ToolCall } from '../tools/schemas.ts';
import type { PlannerContext } from './context-types.ts';
import { NEVER_RETRY_CLASSES, RETRYABLE_CLASSES } from './declines.ts';
import { retryWindowClosed } from './guardrails/retry-rules.ts';
import type { Planner, Proposal } from './planner.ts';

/** Makes the rules planner. */
export function makeRulesPlanner(): Planner {
  return { name: 'rules', propose: async (ctx) => proposeByRules(ctx) };
}

/**
 * The rules decision for one context (synchronous; the planner wraps it).
 *
 * @example
 * proposeByRules(context).calls; // [{ tool: 'retry_payment', … }, { tool: 'notify_customer', … }]
 */
export function proposeByRules(ctx: PlannerContext): Proposal {
  const calls: ToolCall[] = [];
  const why: string[] = [];
  const f = ctx.failure;
  const done = (reason: string): Proposal => ({
    planner: 'rules',
    calls: [{ tool: 'no_action', input: { rationale: reason } }],
    invalid: [],
    rationale: reason,
  });
  if (ctx.case.status === 'closed') return done('the case is closed');
  if (!f) return done('no failure to act on');
  const cls = f.classification.class;

  if (retryWindowClosed(ctx)) {
    if (ctx.history.escalated) return done('the first failure is older than 60 days; already escalated');
    const rationale = 'the first failure is older than 60 days: no automated retry, a person decides';
    calls.push({ tool: 'escalate_to_human', input: { summary: rationale, urgency: 'normal', rationale } });
    return { planner: 'rules', calls, invalid: [], rationale };
  }

  if (ctx.trigger === 'card_updated') {
    if (NEVER_RETRY_CLASSES.has(cls) || ctx.billing.retryBooked)
      return done('card updated; no retry allowed here');
    const rationale = 'the customer updated the card; retry on the new card now';
    return {
      planner: 'rules',
      calls: [{ tool: 'retry_payment', input: { delay_seconds: 0, rationale } }],
      invalid: [],
      rationale,
    };
  }

  if (f.number >= ctx.policy.escalateAfterFailures) {
    const rationale = `failure ${f.number}: the policy hands the case to a person`;
    calls.push({ tool: 'escalate_to_human', input: { summary: rationale, urgency: 'normal', rationale } });
    return { planner: 'rules', calls, invalid: [], rationale };
  }

  if (RETRYABLE_CLASSES.has(cls)) {
    const delay = ctx.budgets.nextRetryDelaySeconds;
    const retry = delay !== null && !ctx.billing.retryBooked;
    if (retry) {
      const rationale = `${aDecline(cls)} may succeed later; retry ${ctx.budgets.retriesUsed + 1} per policy`;
      calls.push({ tool: 'retry_payment', input: { delay_seconds: delay, rationale } });
      why.push(rationale);
    } else {
      why.push(
        ctx.billing.retryBooked
          ? 'Stripe Billing retries this invoice itself'
          : 'no retries left in the policy',
      );
    }
    const template =
      f.number === 1 && (retry || ctx.billing.retryBooked) ? 'first_failure' : 'update_payment_method';
    calls.push({
      tool: 'notify_customer',
      input: { template, rationale: `failure ${f.number}: ${template}` },
    });
    why.push(`notify: ${template}`);
  } else if (cls === 'needs_authentication') {
    calls.push({
      tool: 'notify_customer',
      input: {
        template: 'authenticate',
        rationale: 'the customer must authenticate; off-session retries fail',
      },
    });
    why.push('the customer must authenticate');
  } else if (cls === 'data_must_change' || cls === 'credential_unusable') {
    const expired = f.declineCode === 'expired_card' || f.code === 'expired_card';
    const template = expired ? 'card_expired' : 'update_payment_method';
    calls.push({
      tool: 'notify_customer',
      input: { template, rationale: `${aDecline(cls)} needs a new card` },
    });
    why.push(`${aDecline(cls)} waits for a card update`);
  } else {
    if (cls === 'hard_stop' || cls === 'fraud') {
      calls.push({
        tool: 'notify_customer',
        input: { template: 'update_payment_method', rationale: `${aDecline(cls)}: ask for another card` },
      });
    }
    const summary = `${aDecline(cls)} (${f.classification.signal}): no automated retry`;
    const urgency = cls === 'fraud' || cls === 'radar_block' ? 'high' : 'normal';
    calls.push({ tool: 'escalate_to_human', input: { summary, urgency, rationale: summary } });
    why.push(summary);
  }
  return { planner: 'rules', calls, invalid: [], rationale: why.join('; ') };
}

/** `an ambiguous soft decline`, `a hard decline`: the class made readable, with the right article. */
function aDecline(cls: string): string {
  const name = cls.replace(/_/g, ' ');
  return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name} decline`;
}
