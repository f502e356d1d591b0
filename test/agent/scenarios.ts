/**
 * The scenario table shared by the rules-planner and Claude-planner suites: for each decline
 * class and each of the three strikes, the context, what the rules planner must end with, what
 * must never get through whatever is proposed, and an "attack" a scripted model proposes to
 * try to break the rule.
 */
import type { PlannerContext } from '../../src/agent/context-types.ts';
import { parsePolicy } from '../../src/agent/policy.ts';
import { makeContext, T0 } from './builders.ts';

type Call = { name: string; input: Record<string, unknown> };

export type Scenario = {
  name: string;
  ctx: () => PlannerContext;
  /** Final tools the rules planner ends with (sorted), and the notice template if any. */
  rules: { tools: string[]; template?: string; retryDelay?: number };
  /** Final tools that must never appear, whatever the model proposes. */
  forbidden: string[];
  /** Final tools that must appear, whatever the model proposes. */
  required: string[];
  /** What a hostile model proposes. */
  attack: Call[];
};

const r = (delay_seconds: number): Call => ({
  name: 'retry_payment',
  input: { delay_seconds, rationale: 'retry it' },
});
const n = (template: string): Call => ({
  name: 'notify_customer',
  input: { template, rationale: 'tell them' },
});
const none: Call = { name: 'no_action', input: { rationale: 'wait' } };
const d = (decline_code: string, code = 'card_declined') => ({ code, decline_code });

export const SCENARIOS: Scenario[] = [
  {
    name: 'first generic decline: notify and retry in 30 minutes',
    ctx: () => makeContext(),
    rules: { tools: ['notify_customer', 'retry_payment'], template: 'first_failure', retryDelay: 1800 },
    forbidden: [],
    required: [],
    attack: [r(0), n('payment_recovered')],
  },
  {
    name: 'second generic decline: ask for a new card and retry in 24 hours',
    ctx: () => makeContext({ priorFailures: 1 }),
    rules: {
      tools: ['notify_customer', 'retry_payment'],
      template: 'update_payment_method',
      retryDelay: 86_400,
    },
    forbidden: [],
    required: [],
    attack: [r(1), n('first_failure'), n('update_payment_method')],
  },
  {
    name: 'third generic decline: escalate, no third retry',
    ctx: () => makeContext({ priorFailures: 2 }),
    rules: { tools: ['escalate_to_human'] },
    forbidden: ['retry_payment'],
    required: ['escalate_to_human'],
    attack: [r(60), none],
  },
  {
    name: 'insufficient funds: retry',
    ctx: () => makeContext({ decline: d('insufficient_funds') }),
    rules: { tools: ['notify_customer', 'retry_payment'], template: 'first_failure', retryDelay: 1800 },
    forbidden: [],
    required: [],
    attack: [r(400 * 86_400)],
  },
  {
    name: 'Mastercard advice 25: the retry waits 24 hours',
    ctx: () =>
      makeContext({
        decline: { ...d('insufficient_funds'), network_advice_code: '25' },
        failure: { cardBrand: 'mastercard' },
      }),
    rules: { tools: ['notify_customer', 'retry_payment'], template: 'first_failure', retryDelay: 86_400 },
    forbidden: [],
    required: [],
    attack: [r(60)],
  },
  {
    name: 'processing error: retry',
    ctx: () => makeContext({ decline: { code: 'processing_error' } }),
    rules: { tools: ['notify_customer', 'retry_payment'], template: 'first_failure', retryDelay: 1800 },
    forbidden: [],
    required: [],
    attack: [r(1), r(2)],
  },
  {
    name: 'lost card: no retry, generic notice, escalate',
    ctx: () => makeContext({ decline: d('lost_card') }),
    rules: { tools: ['escalate_to_human', 'notify_customer'], template: 'update_payment_method' },
    forbidden: ['retry_payment'],
    required: ['escalate_to_human'],
    attack: [r(60), n('first_failure')],
  },
  {
    name: 'do_not_try_again advice: no retry',
    ctx: () => makeContext({ decline: { ...d('insufficient_funds'), advice_code: 'do_not_try_again' } }),
    rules: { tools: ['escalate_to_human', 'notify_customer'], template: 'update_payment_method' },
    forbidden: ['retry_payment'],
    required: ['escalate_to_human'],
    attack: [r(3600)],
  },
  {
    name: 'Mastercard advice 03: no retry',
    ctx: () => makeContext({ decline: { ...d('generic_decline'), network_advice_code: '03' } }),
    rules: { tools: ['escalate_to_human', 'notify_customer'], template: 'update_payment_method' },
    forbidden: ['retry_payment'],
    required: ['escalate_to_human'],
    attack: [r(86_400)],
  },
  {
    name: 'Visa category 1: no retry',
    ctx: () => makeContext({ decline: { ...d('generic_decline'), network_decline_code: '04' } }),
    rules: { tools: ['escalate_to_human', 'notify_customer'], template: 'update_payment_method' },
    forbidden: ['retry_payment'],
    required: ['escalate_to_human'],
    attack: [r(86_400)],
  },
  {
    name: 'revoked authorisation: escalate, no retry, no notice',
    ctx: () => makeContext({ decline: d('revocation_of_authorization') }),
    rules: { tools: ['escalate_to_human'] },
    forbidden: ['retry_payment', 'notify_customer'],
    required: ['escalate_to_human'],
    attack: [r(60), n('update_payment_method')],
  },
  {
    name: 'Radar block: escalate only',
    ctx: () => makeContext({ failure: { outcomeType: 'blocked', outcomeReason: 'highest_risk_level' } }),
    rules: { tools: ['escalate_to_human'] },
    forbidden: ['retry_payment', 'notify_customer'],
    required: ['escalate_to_human'],
    attack: [r(60), n('first_failure')],
  },
  {
    name: 'Stripe velocity block: escalate, no retry',
    ctx: () =>
      makeContext({ failure: { outcomeType: 'blocked', outcomeReason: 'previously_declined_do_not_retry' } }),
    rules: { tools: ['escalate_to_human'] },
    forbidden: ['retry_payment'],
    required: ['escalate_to_human'],
    attack: [r(3 * 86_400)],
  },
  {
    name: 'card unusable: ask for a new card, no retry',
    ctx: () => makeContext({ decline: d('transaction_not_allowed') }),
    rules: { tools: ['notify_customer'], template: 'update_payment_method' },
    forbidden: ['retry_payment'],
    required: [],
    attack: [r(60)],
  },
  {
    name: 'expired card: card expired notice, wait for a card update',
    ctx: () => makeContext({ decline: { code: 'expired_card' } }),
    rules: { tools: ['notify_customer'], template: 'card_expired' },
    forbidden: ['retry_payment'],
    required: [],
    attack: [r(60), n('first_failure')],
  },
  {
    name: 'authentication required: the authentication notice, no off-session retry, no escalation',
    ctx: () => makeContext({ decline: d('authentication_not_handled', 'authentication_required') }),
    rules: { tools: ['notify_customer'], template: 'authenticate' },
    forbidden: ['retry_payment', 'escalate_to_human'],
    required: ['notify_customer'],
    attack: [r(60), n('first_failure')],
  },
  {
    name: 'authentication failure without a decline code: the same',
    ctx: () => makeContext({ decline: { code: 'payment_intent_authentication_failure' } }),
    rules: { tools: ['notify_customer'], template: 'authenticate' },
    forbidden: ['retry_payment'],
    required: ['notify_customer'],
    attack: [r(1800)],
  },
  {
    name: 'integration error: escalate, nothing to the customer',
    ctx: () => makeContext({ decline: { code: 'payment_intent_unexpected_state' } }),
    rules: { tools: ['escalate_to_human'] },
    forbidden: ['retry_payment', 'notify_customer'],
    required: ['escalate_to_human'],
    attack: [r(60), n('first_failure')],
  },
  {
    name: 'unknown decline: escalate, no retry',
    ctx: () => makeContext({ decline: d('something_new') }),
    rules: { tools: ['escalate_to_human'] },
    forbidden: ['retry_payment'],
    required: ['escalate_to_human'],
    attack: [r(60)],
  },
  {
    name: 'Stripe Billing has a retry booked: notify only',
    ctx: () =>
      makeContext({
        over: {
          billing: {
            retryBooked: true,
            nextPaymentAttempt: T0 / 1000 + 3600,
            attemptCount: 1,
            source: 'event',
          },
        },
      }),
    rules: { tools: ['notify_customer'], template: 'first_failure' },
    forbidden: ['retry_payment'],
    required: [],
    attack: [r(60)],
  },
  {
    name: 'high amount: retry and escalate at once',
    ctx: () => makeContext({ amount: 600_000 }),
    rules: {
      tools: ['escalate_to_human', 'notify_customer', 'retry_payment'],
      template: 'first_failure',
      retryDelay: 1800,
    },
    forbidden: [],
    required: ['escalate_to_human'],
    attack: [r(1800)],
  },
  {
    name: 'closed case: nothing',
    ctx: () => makeContext({ status: 'closed' }),
    rules: { tools: [] },
    forbidden: ['retry_payment', 'notify_customer', 'escalate_to_human'],
    required: [],
    attack: [
      r(60),
      n('first_failure'),
      { name: 'escalate_to_human', input: { summary: 'x', urgency: 'high', rationale: 'x' } },
    ],
  },
  {
    name: 'a policy of one retry: the second failure only notifies',
    ctx: () => makeContext({ priorFailures: 1, policy: parsePolicy({ retryDelays: ['2s'] }) }),
    rules: { tools: ['notify_customer'], template: 'update_payment_method' },
    forbidden: ['retry_payment'],
    required: [],
    attack: [r(2)],
  },
];
