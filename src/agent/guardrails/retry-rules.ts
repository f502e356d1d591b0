/**
 * Guardrails on `retry_payment`, each a small pure function of (call, context). The order of
 * {@link RETRY_RULES} is the order they run: rejections first, then the delay clamps.
 */
import type { RetryPaymentInput, ToolCall } from '../../tools/schemas.ts';
import type { PlannerContext } from '../context-types.ts';
import { NEVER_RETRY_CLASSES, RETRYABLE_CLASSES } from '../declines.ts';
import { CLASS_RETRY_CAPS, MAX_CASE_AGE_FOR_RETRY_MS, TRANSIENT_MAX_RETRIES_24H } from '../limits.ts';
import type { RuleOutcome } from './types.ts';

type RetryCall = { tool: 'retry_payment'; input: RetryPaymentInput };
type RetryRule = (call: RetryCall, ctx: PlannerContext) => RuleOutcome | undefined;

const reject = (rule: string, reason: string): RuleOutcome => ({ verdict: 'reject', rule, reason });

/** The customer changed the card after the last failure, so the old decline no longer binds. */
export function cardChangedSinceFailure(ctx: PlannerContext): boolean {
  const updated = ctx.history.cardUpdatedAt;
  return updated !== null && ctx.failure !== null && updated > ctx.failure.occurredAt;
}

/** Stripe Billing already has a retry booked: charging too would double up. */
export const billingRetryBooked: RetryRule = (_call, ctx) =>
  ctx.billing.retryBooked
    ? reject(
        'billing_retry_booked',
        'Stripe Billing has its own retry booked for this invoice; deferring to it',
      )
    : undefined;

/** There must be a failure to retry. */
export const needsFailure: RetryRule = (_call, ctx) =>
  ctx.failure ? undefined : reject('no_failure', 'there is no failed attempt to retry');

/** Decline classes from the guardrail table: only soft declines retry on the same card. */
export const declineClass: RetryRule = (_call, ctx) => {
  const cls = ctx.failure?.classification.class;
  if (!cls || RETRYABLE_CLASSES.has(cls)) return undefined;
  if (cardChangedSinceFailure(ctx) && !NEVER_RETRY_CLASSES.has(cls)) return undefined;
  const why =
    cls === 'needs_authentication'
      ? 'the customer must authenticate; an off-session retry fails the same way'
      : `a ${cls} decline (${ctx.failure?.classification.signal}) is never retried on the same card`;
  return reject(`decline_${cls}`, why);
};

/** The policy's retry count (a card update earns one more try on the new card). */
export const policyBudget: RetryRule = (_call, ctx) => {
  if (ctx.trigger === 'card_updated' || ctx.budgets.retriesLeftByPolicy > 0) return undefined;
  return reject(
    'retry_budget',
    `the policy allows ${ctx.policy.retryDelaysSeconds.length} retries; all used`,
  );
};

/** Per-class caps from the guardrail table (funds 8, ambiguous 6, transient 3 per 24 h). */
export const classCap: RetryRule = (_call, ctx) => {
  const cls = ctx.failure?.classification.class;
  if (!cls) return undefined;
  const cap = (CLASS_RETRY_CAPS as Record<string, number>)[cls];
  if (cap !== undefined && ctx.budgets.retriesUsed >= cap) {
    return reject('class_retry_cap', `at most ${cap} retries for a ${cls} decline`);
  }
  if (cls === 'transient') {
    const recent = ctx.history.retries.filter(
      (r) => r.dueAt > ctx.now - 86_400_000 && r.state !== 'canceled',
    );
    if (recent.length >= TRANSIENT_MAX_RETRIES_24H) {
      return reject(
        'class_retry_cap',
        `at most ${TRANSIENT_MAX_RETRIES_24H} retries in 24 hours for a transient error`,
      );
    }
  }
  return undefined;
};

/** Visa: at most 15 reattempts in 30 days. */
export const visaReattempts: RetryRule = (_call, ctx) =>
  ctx.budgets.reattemptsLeft30d <= 0
    ? reject('reattempts_30d', 'at most 15 reattempts in 30 days (Visa excessive reattempts rule)')
    : undefined;

/** At most 10 declines in 24 hours on one card. */
export const cardDeclines: RetryRule = (_call, ctx) =>
  ctx.budgets.cardDeclinesLeft24h <= 0
    ? reject('card_declines_24h', 'this card was declined 10 times in 24 hours')
    : undefined;

/**
 * When the case's first failure happened: the earliest charge time recorded (a backfilled or
 * redelivered failure keeps its own time), or the case's opening if that is earlier.
 */
export function firstFailureAt(ctx: PlannerContext): number {
  let first = ctx.case.openedAt;
  for (const f of ctx.history.failures) if (f.at > 0 && f.at < first) first = f.at;
  const current = ctx.failure?.occurredAt;
  if (current !== undefined && current > 0 && current < first) first = current;
  return first;
}

/** Whether the 60-day retry window, counted from the first failure, is over. */
export function retryWindowClosed(ctx: PlannerContext): boolean {
  return ctx.now - firstFailureAt(ctx) > MAX_CASE_AGE_FOR_RETRY_MS;
}

/** No automated retry of a case whose first failure is older than 60 days. */
export const caseAge: RetryRule = (_call, ctx) =>
  retryWindowClosed(ctx)
    ? reject('case_too_old', 'the first failure is older than 60 days; retries stop')
    : undefined;

/** One scheduled retry at a time. */
export const onePending: RetryRule = (_call, ctx) => {
  const failedAt = ctx.failure?.occurredAt ?? ctx.now;
  // A running retry due before this failure is the very attempt that just failed.
  const blocking = ctx.history.retries.some(
    (r) => r.state === 'pending' || (r.state === 'running' && r.dueAt > failedAt),
  );
  return blocking ? reject('retry_pending', 'a retry is already scheduled for this case') : undefined;
};

/** Clamps the delay into [live 60 s | test 1 s, 30 d] and past any earliest retry time. */
export const delayBounds: RetryRule = (call, ctx) => {
  const { minDelaySeconds, maxDelaySeconds, earliestRetryAt, retryBaseAt } = ctx.budgets;
  const earliest = earliestRetryAt === null ? 0 : Math.ceil((earliestRetryAt - retryBaseAt) / 1000);
  const floor = Math.max(minDelaySeconds, earliest);
  const wanted = call.input.delay_seconds;
  let delay = Math.min(Math.max(wanted, floor), Math.max(maxDelaySeconds, floor));
  if (delay === wanted) return undefined;
  delay = Math.round(delay);
  const rule =
    wanted > maxDelaySeconds
      ? 'delay_max'
      : earliest > minDelaySeconds && delay === earliest
        ? ctx.signals.storm
          ? 'storm_hold'
          : 'earliest_retry'
        : ctx.case.livemode
          ? 'delay_min_live'
          : 'delay_min_test';
  const amended: ToolCall = { tool: 'retry_payment', input: { ...call.input, delay_seconds: delay } };
  return { verdict: 'amend', rule, reason: `delay ${wanted}s clamped to ${delay}s`, call: amended };
};

export const RETRY_RULES: readonly RetryRule[] = [
  needsFailure,
  billingRetryBooked,
  declineClass,
  policyBudget,
  classCap,
  visaReattempts,
  cardDeclines,
  caseAge,
  onePending,
  delayBounds,
];
