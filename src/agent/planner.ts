/**
 * The planner interface: context in, proposal out. A planner never acts and never reads the
 * database; the guardrails judge what it proposes.
 */
import type { ToolCall } from '../tools/schemas.ts';
import type { PlannerContext } from './context-types.ts';
import type { InvalidCall } from './guardrails/types.ts';

/** The raw model exchange behind a proposal, for the decision row (OTel GenAI names). */
export type ModelCallRecord = {
  providerName: 'anthropic';
  requestModel: string;
  responseModel: string | null;
  responseId: string | null;
  finishReasons: string[];
  usage: {
    inputTokens: number;
    outputTokens: number;
    cacheReadInputTokens: number;
    cacheCreationInputTokens: number;
  };
  latencyMs: number;
  request: unknown;
  response: unknown;
  error: string | null;
};

/** What a planner proposes. */
export type Proposal = {
  /** Which planner's calls these are (after a fallback: `rules`). */
  planner: 'claude' | 'rules';
  calls: ToolCall[];
  /** Calls that could not be used (unknown tool, bad input, truncated), recorded as rejected. */
  invalid: InvalidCall[];
  rationale: string;
  modelCall?: ModelCallRecord;
  /** Why the rules planner decided instead of the model, e.g. `LLM overloaded`. */
  fallbackReason?: string;
};

export type Planner = {
  name: 'claude' | 'rules';
  propose(context: PlannerContext): Promise<Proposal>;
};
