/**
 * One decision, without the database: context + planner + policy → the proposal, each call's
 * verdict, the final actions and the model call record. The worker stores the result; the
 * replay command calls this same function on recorded contexts. A planner that throws is
 * replaced by the rules planner, and the cause is recorded.
 */
import type { PlannerContext } from './context-types.ts';
import { applyGuardrails } from './guardrails/index.ts';
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
  const { proposals, actions } = applyGuardrails(proposal.calls, proposal.invalid, context);
  const mandatory = actions.filter((a) => a.source === 'mandatory').map((a) => a.rule);
  const rationale = [proposal.rationale, ...mandatory.map((rule) => `mandatory: ${rule}`)]
    .filter(Boolean)
    .join('; ');
  return {
    planner: proposal.planner,
    fallbackReason: proposal.fallbackReason ?? null,
    proposals,
    actions,
    rationale,
    modelCall: proposal.modelCall ?? null,
    policyHash: policyHash(policy),
  };
}

/** A decision's verdict for metrics: reject if any proposal was rejected, else amend, else allow. */
export function overallVerdict(decision: Decision): 'allow' | 'amend' | 'reject' {
  if (decision.proposals.some((p) => p.verdict === 'reject')) return 'reject';
  if (decision.proposals.some((p) => p.verdict === 'amend')) return 'amend';
  return 'allow';
}
