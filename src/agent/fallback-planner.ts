/**
 * The fallback: the rules planner decides when the model fails (overloaded, timed out,
 * unreachable) or proposes nothing valid. The failed model call, the invalid calls and the
 * cause stay on the proposal, so the decision row shows what happened.
 */
import { PlannerFailure } from './claude-planner.ts';
import type { Planner, Proposal } from './planner.ts';
import { proposeByRules } from './rules-planner.ts';

/**
 * Wraps a model planner with the rules fallback.
 *
 * @example
 * const planner = withRulesFallback(makeClaudePlanner(options));
 */
export function withRulesFallback(primary: Planner): Planner {
  return {
    name: primary.name,
    async propose(context): Promise<Proposal> {
      try {
        const proposal = await primary.propose(context);
        if (proposal.calls.length > 0) return proposal;
        return {
          ...proposeByRules(context),
          invalid: proposal.invalid,
          ...(proposal.modelCall ? { modelCall: proposal.modelCall } : {}),
          fallbackReason: 'LLM gave no valid proposal',
        };
      } catch (error) {
        const rules = proposeByRules(context);
        if (error instanceof PlannerFailure) {
          return { ...rules, modelCall: error.modelCall, fallbackReason: error.message };
        }
        return { ...rules, fallbackReason: `LLM error: ${(error as Error).message}` };
      }
    },
  };
}
