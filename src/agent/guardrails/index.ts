/**
 * Runs every guardrail over a proposal: each proposed call gets allow, amend or reject with the
 * rule that fired, then the mandatory actions are added. Pure: no I/O and no clock (time comes
 * from the context). A rejection here cannot be overridden by anything the model says.
 */
import type { ToolCall } from '../../tools/schemas.ts';
import type { PlannerContext } from '../context-types.ts';
import { caseClosed, conflictingCalls } from './case-rules.ts';
import { ESCALATE_RULES } from './escalate-rules.ts';
import { mandatoryAuthNotice, mandatoryEscalateAction } from './mandatory.ts';
import { NOTIFY_RULES, type NotifyState } from './notify-rules.ts';
import { RETRY_RULES } from './retry-rules.ts';
import type { FinalAction, InvalidCall, ProposalRecord, RuleOutcome } from './types.ts';

export type GuardrailResult = { proposals: ProposalRecord[]; actions: FinalAction[] };

/**
 * Judges the proposed calls and returns the verdicts and the final actions.
 *
 * @example
 * const { proposals, actions } = applyGuardrails(proposal.calls, proposal.invalid, context);
 */
export function applyGuardrails(
  calls: readonly ToolCall[],
  invalid: readonly InvalidCall[],
  ctx: PlannerContext,
): GuardrailResult {
  const records: ProposalRecord[] = new Array(calls.length);
  const finals: (FinalAction | undefined)[] = new Array(calls.length);
  const conflicts = conflictingCalls(calls);
  const order = [...calls.keys()].sort((a, b) => rank(calls[a]!) - rank(calls[b]!));
  const state: NotifyState = { retryAllowed: false };

  for (const i of order) {
    const call = calls[i]!;
    const conflict = conflicts.get(i);
    const outcome = conflict
      ? ({ verdict: 'reject', rule: 'conflicting_calls', reason: conflict } as const)
      : judge(call, ctx, state);
    records[i] = toRecord(call, outcome);
    if (outcome.verdict !== 'reject') {
      const final = outcome.verdict === 'amend' ? outcome.call : call;
      finals[i] = { ...final, source: 'proposal' } as FinalAction;
      if (final.tool === 'retry_payment') state.retryAllowed = true;
    }
  }

  const actions = finals.filter((a): a is FinalAction => a !== undefined);
  const escalation = mandatoryEscalateAction(ctx);
  if (escalation && !actions.some((a) => a.tool === 'escalate_to_human')) actions.push(escalation);
  const notice = mandatoryAuthNotice(ctx);
  if (notice && !actions.some((a) => a.tool === 'notify_customer')) actions.push(notice);
  const meaningful = actions.filter((a) => a.tool !== 'no_action');
  const invalidRecords: ProposalRecord[] = invalid.map((c) => ({
    tool: c.tool,
    input: c.input,
    verdict: 'reject',
    rule: c.rule,
    reason: c.error,
  }));
  return {
    proposals: [...records, ...invalidRecords],
    actions: meaningful.length > 0 ? meaningful : actions.filter((a) => a.tool === 'no_action').slice(0, 1),
  };
}

type Outcome = RuleOutcome | { verdict: 'allow'; rule: string; reason: string };

function judge(call: ToolCall, ctx: PlannerContext, state: NotifyState): Outcome {
  const closed = caseClosed(call, ctx);
  if (closed) return closed;
  let current: ToolCall = call;
  const amendments: RuleOutcome[] = [];
  for (const rule of rulesFor(current)) {
    const outcome = rule(current as never, ctx, state);
    if (!outcome) continue;
    if (outcome.verdict === 'reject') return outcome;
    amendments.push(outcome);
    current = outcome.call;
  }
  if (amendments.length === 0) return { verdict: 'allow', rule: 'allowed', reason: 'no rule objected' };
  return {
    verdict: 'amend',
    rule: amendments.map((a) => a.rule).join('+'),
    reason: amendments.map((a) => a.reason).join('; '),
    call: current,
  };
}

type AnyRule = (call: never, ctx: PlannerContext, state: NotifyState) => RuleOutcome | undefined;

function rulesFor(call: ToolCall): readonly AnyRule[] {
  switch (call.tool) {
    case 'retry_payment':
      return RETRY_RULES as readonly AnyRule[];
    case 'notify_customer':
      return NOTIFY_RULES as readonly AnyRule[];
    case 'escalate_to_human':
      return ESCALATE_RULES as readonly AnyRule[];
    case 'no_action':
      return [];
  }
}

function rank(call: ToolCall): number {
  return { retry_payment: 0, notify_customer: 1, escalate_to_human: 2, no_action: 3 }[call.tool];
}

function toRecord(call: ToolCall, outcome: Outcome): ProposalRecord {
  const record: ProposalRecord = {
    tool: call.tool,
    input: call.input,
    verdict: outcome.verdict,
    rule: outcome.rule,
    reason: outcome.reason,
  };
  if (outcome.verdict === 'amend') record.amended = outcome.call.input;
  return record;
}
