/**
 * Picks the planner from the configuration: Claude (with the rules fallback) when an API key is
 * set and the rules planner was not chosen, else the rules planner. Metrics about decisions,
 * fallbacks and tokens are counted by the worker from each recorded decision.
 */
import { type Config, plannerChoice } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { makeClaudePlanner } from './claude-planner.ts';
import { withRulesFallback } from './fallback-planner.ts';
import type { Planner } from './planner.ts';
import { loadPrompt, type Prompt } from './prompt.ts';
import { makeRulesPlanner } from './rules-planner.ts';

/**
 * Makes the daemon's planner.
 *
 * @example
 * const planner = makePlanner(config, log, metrics);
 */
export function makePlanner(
  config: Config,
  log: Logger,
  _metrics?: Metrics,
  options: { prompt?: Prompt; timeoutMs?: number; maxRetries?: number } = {},
): Planner {
  const choice = plannerChoice(config);
  if (choice.planner === 'rules' || !config.anthropicApiKey) {
    log.info({ reason: choice.reason }, 'rules planner');
    return makeRulesPlanner();
  }
  return withRulesFallback(
    makeClaudePlanner({
      apiKey: config.anthropicApiKey,
      baseURL: config.anthropicBaseUrl,
      model: config.anthropicModel,
      prompt: options.prompt ?? loadPrompt(),
      log,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    }),
  );
}
