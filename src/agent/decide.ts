/**
 * One decision, without the database: context + planner + policy → the proposal, each call's
 * verdict, the final actions and the model call record. The worker stores the result; the
 * replay command calls this same function on recorded contexts. A planner that throws is
 * replaced by the rules planner, and so is a model whose proposal the guardrails emptied where
 * the policy acts ("the rules planner decides if nothing valid remains"); the cause is recorded.
 */
import type { PlannerContext } from './context-types.ts';
import { applyGuardrails, type GuardrailResult } from './guardrails/index.ts';
import type { FinalAction, ProposalRecord } from './guardrails/types.ts';
import type { ModelCallRecord, Planner, Proposal } from './planner.ts';
import { type Policy, policyHash } from './policy.ts';
import { proposeByRules } from './rules-planner.ts';

export type Decision = {
  planner: 'claude' | 'rules';
  fallbackReason: string | null;
  proposals: ProposalRecord[];
  actions: FinalAction[];
  rationale: string;
  modelCall: ModelCallRecord | null;
  policyHash: string;
};

/**
 * Decides for one context.
 *
 * @example
 * const decision = await decide(context, planner, policy);
 * decision.actions; // [{ tool: 'retry_payment', input: { delay_seconds: 1800, … }, source: 'proposal' }]
 */
export async function decide(context: PlannerContext, planner: Planner, policy: Policy): Promise<Decision> {
  let proposal: Proposal;
  try {
    proposal = await planner.propose(context);
  } catch (error) {
    proposal = { ...proposeByRules(context), fallbackReason: `planner failed: ${(error as Error).message}` };
  }
  const judged = applyGuardrails(proposal.calls, proposal.invalid, context);
  const fallback = proposal.planner === 'claude' ? emptiedByGuardrails(proposal, judged, context) : null;
  const { planner: decidedBy, proposals, actions } = fallback ?? { planner: proposal.planner, ...judged };
  const mandatory = actions.filter((a) => a.source === 'mandatory').map((a) => a.rule);
  const rationale = [
    fallback?.rationale ?? proposal.rationale,
    ...mandatory.map((rule) => `mandatory: ${rule}`),
  ]
    .filter(Boolean)
    .join('; ');
  return {
    planner: decidedBy,
    fallbackReason: fallback?.reason ?? proposal.fallbackReason ?? null,
    proposals,
    actions,
    rationale,
    modelCall: proposal.modelCall ?? null,
    policyHash: policyHash(policy),
  };
}

const acts = (actions: readonly FinalAction[]) => actions.some((a) => a.tool !== 'no_action');

/**
 * The rules planner's decision when the guardrails left the model's proposal with nothing to do
 * (every call rejected, or only `no_action`) while the policy acts on this context. Both sets of
 * proposals are kept, each marked with its planner, so an auditor sees what the model asked for
 * and why it was refused.
 */
function emptiedByGuardrails(
  proposal: Proposal,
  judged: GuardrailResult,
  context: PlannerContext,
): (GuardrailResult & { planner: 'rules'; reason: string; rationale: string }) | null {
  if (acts(judged.actions)) return null;
  const rules = proposeByRules(context);
  const ruled = applyGuardrails(rules.calls, rules.invalid, context);
  if (!acts(ruled.actions)) return null;
  const allRejected = judged.proposals.length > 0 && judged.proposals.every((p) => p.verdict === 'reject');
  const reason = allRejected
    ? 'LLM gave no valid proposal: every call was rejected'
    : 'LLM proposed no action where the policy acts';
  return {
    planner: 'rules',
    reason,
    rationale: rules.rationale,
    proposals: [
      ...judged.proposals.map((p) => ({ ...p, planner: proposal.planner })),
      ...ruled.proposals.map((p) => ({ ...p, planner: 'rules' as const })),
    ],
    actions: ruled.actions,
  };
}

/** A decision's verdict for metrics: reject if any proposal was rejected, else amend, else allow. */
export function overallVerdict(decision: Decision): 'allow' | 'amend' | 'reject' {
  if (decision.proposals.some((p) => p.verdict === 'reject')) return 'reject';
  if (decision.proposals.some((p) => p.verdict === 'amend')) return 'amend';
  return 'allow';
}
