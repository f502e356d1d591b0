/**
 * Builds what `replay` decides with: the agent's own `decide()` with the chosen planner and
 * prompt, so a replayed decision goes through exactly the guardrails the daemon uses (and a
 * failing model falls back to the rules planner, as in the daemon). Nothing here can act: no
 * Stripe, Slack or SMTP client is made, and the database is not touched.
 */
import type { PlannerContext, Trigger } from '../agent/context-types.ts';
import { decide } from '../agent/decide.ts';
import { makePlanner } from '../agent/make-planner.ts';
import { DEFAULT_POLICY } from '../agent/policy.ts';
import { loadPrompt, type Prompt, promptHash } from '../agent/prompt.ts';
import { type Config, plannerChoice } from '../config.ts';
import { UsageError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import { readTextFile } from './flag-values.ts';
import type { Decider } from './replay-core.ts';
import type { ReplaySetup } from './replay-render.ts';

// Limitation: a replay decides with the policy recorded in each context (its budgets and delays
// were worked out from the policy in force then), so a new policy file cannot be tried this way.
// Limitation: decisions taken by code rather than a planner (a case closing) are listed, not re-decided.

/** Triggers on which a planner decides; other decisions (a case closing) are taken by code. */
export const PLANNER_TRIGGERS: ReadonlySet<string> = new Set<Trigger>([
  'failure',
  'failure_details',
  'card_updated',
]);

/** The model's budget per decision in replay unless `--timeout` says otherwise. */
export const REPLAY_TIMEOUT_MS = 30_000;
/** No retries, so that a hung or failing model costs at most one budget per decision. */
const REPLAY_MAX_RETRIES = 0;

/**
 * The decider for `config` (planner, model) and an optional prompt file. Throws a
 * {@link UsageError} when the choice cannot be honoured (claude without a key, a missing file).
 */
export async function makeReplayDecider(
  config: Config,
  options: { promptFile?: string | undefined; timeoutMs?: number | undefined },
): Promise<{ decide: Decider; setup: ReplaySetup }> {
  const choice = plannerChoice(config);
  if (config.planner === 'claude' && choice.planner !== 'claude') {
    throw new UsageError(`--planner claude needs ANTHROPIC_API_KEY (${choice.reason})`);
  }
  if (options.promptFile !== undefined) {
    if (choice.planner !== 'claude') {
      throw new UsageError(
        `--prompt only changes the claude planner, and the rules planner was chosen (${choice.reason})`,
      );
    }
  }
  let prompt: Prompt | undefined;
  if (options.promptFile !== undefined) {
    const text = readTextFile('--prompt', options.promptFile);
    prompt = { text, hash: promptHash(text) };
  } else if (choice.planner === 'claude') prompt = loadPrompt();
  const planner = makePlanner(config, silentLogger, undefined, {
    ...(prompt ? { prompt } : {}),
    timeoutMs: options.timeoutMs ?? REPLAY_TIMEOUT_MS,
    maxRetries: REPLAY_MAX_RETRIES,
  });
  return {
    decide: async (context) => {
      const schema = (context as { schema?: unknown } | null)?.schema;
      if (schema !== 1) {
        throw new Error(`the recorded context has schema ${String(schema)}; this build reads 1`);
      }
      const trigger = String((context as { trigger?: unknown }).trigger);
      if (!PLANNER_TRIGGERS.has(trigger))
        return { skipped: `decided by code on ${trigger}, not by a planner` };
      const started = performance.now();
      const decision = await decide(context as PlannerContext, planner, DEFAULT_POLICY);
      const took = ((performance.now() - started) / 1000).toFixed(1);
      return {
        actions: decision.actions,
        planner: decision.planner,
        rationale: decision.rationale,
        fallbackReason: decision.fallbackReason
          ? `${decision.fallbackReason} (gave up after ${took}s)`
          : undefined,
      };
    },
    setup: {
      planner: choice.planner,
      model: choice.planner === 'claude' ? config.anthropicModel : null,
      promptHash: prompt?.hash ?? null,
    },
  };
}
