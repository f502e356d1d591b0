import { describe, expect, it } from 'vitest';
import { makeContext, T0 } from '../../../test/agent/builders.ts';
import type { ToolCall } from '../../tools/schemas.ts';
import { parsePolicy } from '../policy.ts';
import { caseClosed, conflictingCalls } from './case-rules.ts';
import { escalateOnce } from './escalate-rules.ts';
import { applyGuardrails } from './index.ts';
import { mandatoryAuthNotice, mandatoryEscalation } from './mandatory.ts';
import {
  noticeBudget,
  oncePerFailure,
  recoveryByCode,
  stormQuiet,
  truthfulTemplate,
} from './notify-rules.ts';
import {
  billingRetryBooked,
  caseAge,
  cardDeclines,
  classCap,
  declineClass,
  delayBounds,
  onePending,
  policyBudget,
  visaReattempts,
} from './retry-rules.ts';

const retry = (delay_seconds: number) =>
  ({ tool: 'retry_payment', input: { delay_seconds, rationale: 'r' } }) as const;
const notify = (
  template: 'first_failure' | 'update_payment_method' | 'authenticate' | 'card_expired' | 'payment_recovered',
) => ({ tool: 'notify_customer', input: { template, rationale: 'r' } }) as const;
const escalate = {
  tool: 'escalate_to_human',
  input: { summary: 's', urgency: 'normal', rationale: 'r' },
} as const;

describe('retry rules', () => {
  it('rejects a retry when Stripe Billing has one booked', () => {
    const ctx = makeContext({
      over: { billing: { retryBooked: true, nextPaymentAttempt: 1, attemptCount: 1, source: 'event' } },
    });
    expect(billingRetryBooked(retry(60), ctx)?.rule).toBe('billing_retry_booked');
    expect(billingRetryBooked(retry(60), makeContext())).toBeUndefined();
  });

  it('rejects hard declines and allows soft ones', () => {
    expect(declineClass(retry(60), makeContext({ decline: { decline_code: 'lost_card' } }))?.rule).toBe(
      'decline_fraud',
    );
    expect(declineClass(retry(60), makeContext({ decline: { code: 'authentication_required' } }))?.rule).toBe(
      'decline_needs_authentication',
    );
    expect(
      declineClass(retry(60), makeContext({ decline: { decline_code: 'insufficient_funds' } })),
    ).toBeUndefined();
  });

  it('allows a retry of a data-must-change decline after a card update', () => {
    const ctx = makeContext({
      decline: { code: 'expired_card' },
      over: { cardUpdatedAt: T0 + 500, trigger: 'card_updated' },
    });
    expect(declineClass(retry(0), ctx)).toBeUndefined();
  });

  it('never retries a revoked authorisation, even after a card update', () => {
    const ctx = makeContext({
      decline: { decline_code: 'revocation_of_authorization' },
      over: { cardUpdatedAt: T0 + 500 },
    });
    expect(declineClass(retry(0), ctx)?.rule).toBe('decline_revoked');
  });

  it('stops when the policy retries are used', () => {
    expect(policyBudget(retry(60), makeContext({ priorFailures: 2 }))?.rule).toBe('retry_budget');
    expect(policyBudget(retry(60), makeContext({ priorFailures: 1 }))).toBeUndefined();
  });

  it('caps transient retries at three in 24 hours', () => {
    const policy = parsePolicy({ retryDelays: Array(8).fill('1h'), escalateAfterFailures: 15 });
    const ctx = makeContext({ priorFailures: 3, policy, decline: { code: 'processing_error' } });
    expect(classCap(retry(3600), ctx)?.rule).toBe('class_retry_cap');
  });

  it('caps reattempts at 15 in 30 days and declines per card at 10 in 24 hours', () => {
    const ctx = makeContext();
    expect(
      visaReattempts(retry(60), { ...ctx, budgets: { ...ctx.budgets, reattemptsLeft30d: 0 } })?.rule,
    ).toBe('reattempts_30d');
    expect(
      cardDeclines(retry(60), { ...ctx, budgets: { ...ctx.budgets, cardDeclinesLeft24h: 0 } })?.rule,
    ).toBe('card_declines_24h');
    expect(visaReattempts(retry(60), ctx)).toBeUndefined();
  });

  it('counts declines of the card in the last 24 hours including this one', () => {
    const ctx = makeContext({ over: { cardDeclines24h: 9 } });
    expect(ctx.budgets.cardDeclinesLeft24h).toBe(0);
  });

  it('stops retrying a case older than 60 days', () => {
    const ctx = makeContext();
    expect(caseAge(retry(60), { ...ctx, case: { ...ctx.case, openedAt: T0 - 61 * 86_400_000 } })?.rule).toBe(
      'case_too_old',
    );
  });

  it("counts the 60 days from the first failure's charge time, not from when the case opened", () => {
    const charge2022 = Date.UTC(2022, 2, 1);
    const old = makeContext({ failure: { occurredAt: charge2022 } });
    expect(old.case.openedAt).toBe(T0);
    expect(caseAge(retry(60), old)?.rule).toBe('case_too_old');
    expect(mandatoryEscalation(old)?.rule).toBe('escalate_retry_window');
    const { actions } = applyGuardrails([retry(1800)], [], old);
    expect(actions.map((a) => [a.tool, a.rule])).toEqual([['escalate_to_human', 'escalate_retry_window']]);
    const oldPrior = makeContext({
      priorFailures: 1,
      over: {
        recorded: [
          {
            attemptKey: 'ch_old',
            occurredAt: charge2022,
            code: null,
            declineCode: null,
            cls: 'ambiguous_soft',
          },
        ],
      },
    });
    expect(caseAge(retry(60), oldPrior)?.rule).toBe('case_too_old');
    expect(
      caseAge(retry(60), makeContext({ failure: { occurredAt: T0 - 59 * 86_400_000 } })),
    ).toBeUndefined();
  });

  it('allows one pending retry at a time', () => {
    const ctx = makeContext();
    const busy = {
      ...ctx,
      history: { ...ctx.history, retries: [{ attempt: 1, dueAt: T0, state: 'pending' }] },
    };
    expect(onePending(retry(60), busy)?.rule).toBe('retry_pending');
  });

  it('clamps a test-mode delay up to one second and a live one up to a minute', () => {
    expect(delayBounds(retry(0), makeContext())).toMatchObject({ verdict: 'amend', rule: 'delay_min_test' });
    const live = delayBounds(retry(1), makeContext({ livemode: true }));
    expect(live).toMatchObject({ verdict: 'amend', rule: 'delay_min_live' });
    expect(live?.verdict === 'amend' && live.call.input).toMatchObject({ delay_seconds: 60 });
    expect(delayBounds(retry(1), makeContext())).toBeUndefined();
  });

  it('clamps 400 days down to 30 days', () => {
    const out = delayBounds(retry(400 * 86_400), makeContext());
    expect(out).toMatchObject({ verdict: 'amend', rule: 'delay_max' });
    expect(out?.verdict === 'amend' && out.call.input).toMatchObject({ delay_seconds: 30 * 86_400 });
  });

  it('moves a retry past the Mastercard advice time', () => {
    const ctx = makeContext({
      decline: { decline_code: 'insufficient_funds', network_advice_code: '26' },
      failure: { cardBrand: 'mastercard' },
    });
    const out = delayBounds(retry(1800), ctx);
    expect(out).toMatchObject({ verdict: 'amend', rule: 'earliest_retry' });
    expect(out?.verdict === 'amend' && out.call.input).toMatchObject({ delay_seconds: 2 * 86_400 });
  });

  it('holds a transient retry back during a storm', () => {
    const storm = { incidentId: 'incident:1', since: T0, holdUntil: T0 + 900_000 };
    const ctx = makeContext({ decline: { code: 'processing_error' }, over: { storm } });
    const out = delayBounds(retry(60), ctx);
    expect(out).toMatchObject({ verdict: 'amend', rule: 'storm_hold' });
    expect(out?.verdict === 'amend' && out.call.input).toMatchObject({ delay_seconds: 900 });
  });
});

describe('notify rules', () => {
  it('never lets a proposal send the recovery notice', () => {
    expect(recoveryByCode(notify('payment_recovered'), makeContext(), { retryAllowed: true })?.rule).toBe(
      'recovery_notice_by_code',
    );
  });

  it('sends at most one notice per failure', () => {
    const ctx = makeContext();
    const told = {
      ...ctx,
      history: {
        ...ctx.history,
        notices: [{ template: 'first_failure', failureKey: ctx.failure!.attemptKey, at: T0, state: 'done' }],
      },
    };
    expect(oncePerFailure(notify('first_failure'), told, { retryAllowed: true })?.rule).toBe(
      'notice_per_failure',
    );
    expect(oncePerFailure(notify('first_failure'), ctx, { retryAllowed: true })).toBeUndefined();
  });

  it('keeps to the per-case notice budget', () => {
    const ctx = makeContext({ priorFailures: 2, policy: parsePolicy({ maxNoticesPerCase: 2 }) });
    expect(noticeBudget(notify('update_payment_method'), ctx, { retryAllowed: false })?.rule).toBe(
      'notice_budget',
    );
  });

  it('turns any notice into the authentication notice when the customer must authenticate', () => {
    const ctx = makeContext({ decline: { code: 'authentication_required' } });
    expect(truthfulTemplate(notify('first_failure'), ctx, { retryAllowed: false })).toMatchObject({
      verdict: 'amend',
      rule: 'authenticate_notice',
    });
  });

  it('does not promise a retry that is not scheduled', () => {
    expect(truthfulTemplate(notify('first_failure'), makeContext(), { retryAllowed: false })).toMatchObject({
      rule: 'truthful_notice',
    });
    expect(truthfulTemplate(notify('first_failure'), makeContext(), { retryAllowed: true })).toBeUndefined();
  });

  it('keeps customers out of a processor outage', () => {
    const storm = { incidentId: 'incident:1', since: T0, holdUntil: T0 + 900_000 };
    const ctx = makeContext({ decline: { code: 'processing_error' }, over: { storm } });
    expect(stormQuiet(notify('first_failure'), ctx, { retryAllowed: true })?.rule).toBe('storm_hold');
  });
});

describe('case and escalation rules', () => {
  it('rejects everything on a closed case', () => {
    expect(caseClosed(escalate, makeContext({ status: 'closed' }))?.rule).toBe('case_closed');
  });

  it('escalates once per case', () => {
    const ctx = makeContext();
    expect(escalateOnce(escalate, { ...ctx, history: { ...ctx.history, escalated: true } })?.rule).toBe(
      'escalate_once',
    );
  });

  it('rejects two calls of the same tool and no_action next to an action', () => {
    const calls: ToolCall[] = [
      retry(60),
      retry(120),
      { tool: 'no_action', input: { rationale: 'r' } },
      notify('first_failure'),
    ];
    expect([...conflictingCalls(calls).keys()].sort()).toEqual([0, 1, 2]);
  });

  it('escalates at the threshold, for a high amount and for an unknown decline', () => {
    expect(mandatoryEscalation(makeContext({ priorFailures: 2 }))?.rule).toBe('escalate_threshold');
    expect(mandatoryEscalation(makeContext({ amount: 500_000 }))?.rule).toBe('escalate_high_amount');
    // ¥500,000 is below the ¥750,000 threshold: JPY amounts are whole yen, not cents.
    expect(mandatoryEscalation(makeContext({ amount: 500_000, currency: 'jpy' }))).toBeUndefined();
    expect(mandatoryEscalation(makeContext({ decline: { decline_code: 'brand_new' } }))?.rule).toBe(
      'escalate_unknown_decline',
    );
    expect(mandatoryEscalation(makeContext())).toBeUndefined();
  });

  it('does not escalate a customer who has not authenticated yet unless the policy says so', () => {
    const decline = { code: 'authentication_required' };
    expect(mandatoryEscalation(makeContext({ decline }))).toBeUndefined();
    const policy = parsePolicy({ escalateOnAuthenticationRequired: true });
    expect(mandatoryEscalation(makeContext({ decline, policy }))?.rule).toBe('escalate_authentication');
    expect(mandatoryAuthNotice(makeContext({ decline }))?.input).toMatchObject({ template: 'authenticate' });
  });
});

describe('applyGuardrails', () => {
  it('adds the mandatory escalation the planner left out', () => {
    const { actions } = applyGuardrails([retry(60)], [], makeContext({ priorFailures: 2 }));
    expect(actions.map((a) => [a.tool, a.source, a.rule])).toEqual([
      ['escalate_to_human', 'mandatory', 'escalate_threshold'],
    ]);
  });

  it('records rejected invalid calls next to the judged ones', () => {
    const { proposals } = applyGuardrails(
      [retry(60)],
      [{ tool: 'refund', input: {}, error: 'unknown tool', rule: 'unknown_tool' }],
      makeContext(),
    );
    expect(proposals.map((p) => [p.tool, p.verdict, p.rule])).toEqual([
      ['retry_payment', 'allow', 'allowed'],
      ['refund', 'reject', 'unknown_tool'],
    ]);
  });
});

describe('a running retry', () => {
  it('does not block the next retry when it is the attempt that just failed', () => {
    const ctx = makeContext();
    const running = {
      ...ctx,
      history: { ...ctx.history, retries: [{ attempt: 1, dueAt: T0 - 1000, state: 'running' }] },
    };
    expect(onePending(retry(60), running)).toBeUndefined();
  });
});
