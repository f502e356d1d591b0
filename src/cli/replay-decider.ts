/**
 * Builds what `replay` decides with: the agent's own `decide()` with the chosen planner and
 * prompt, so a replayed decision goes through exactly the guardrails the daemon uses. Nothing
 * here can act: no Stripe, Slack or SMTP client is made, and the database is not touched.
 */
import { decide } from '../agent/decide.ts';
import type { PlannerContext, Trigger } from '../agent/context-types.ts';
import { makeRulesPlanner } from '../agent/rules-planner.ts';
import { DEFAULT_POLICY } from '../agent/policy.ts';
import type { Config } from '../config.ts';
import { UsageError } from '../errors.ts';
import type { Decider } from './replay-core.ts';
import type { ReplaySetup } from './replay-render.ts';

/** Triggers on which a planner decides; other decisions (a case closing) are taken by code. */
const PLANNER_TRIGGERS: ReadonlySet<string> = new Set<Trigger>([
  'failure',
  'failure_details',
  'card_updated',
]);

/** The decider for `config` (planner, model) and an optional prompt file. */
export async function makeReplayDecider(
  config: Config,
  options: { promptFile?: string | undefined },
): Promise<{ decide: Decider; setup: ReplaySetup }> {
  if (config.planner === 'claude' || options.promptFile) {
    throw new UsageError('the claude planner is not available to replay in this build');
  }
  const planner = makeRulesPlanner();
  return {
    decide: async (context) => {
      const schema = (context as { schema?: unknown } | null)?.schema;
      if (schema !== 1)
        throw new Error(`the recorded context has schema ${String(schema)}; this build reads 1`);
      const trigger = String((context as { trigger?: unknown }).trigger);
      if (!PLANNER_TRIGGERS.has(trigger))
        return { skipped: `decided by code on ${trigger}, not by a planner` };
      const decision = await decide(context as PlannerContext, planner, DEFAULT_POLICY);
      return {
        actions: decision.actions,
        planner: decision.planner,
        rationale: decision.rationale,
        fallbackReason: decision.fallbackReason ?? undefined,
      };
    },
    setup: { planner: 'rules', model: null, promptHash: null, policyHash: null },
  };
}
