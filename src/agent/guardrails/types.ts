/**
 * What the guardrails return: a verdict per proposed call, named after the rule that fired
 * (the vocabulary of OpenTelemetry's `gen_ai.guardrail.result`), and the final actions.
 */
import type { ToolCall } from '../../tools/schemas.ts';

export type Verdict = 'allow' | 'amend' | 'reject';

/** One rule's opinion on one call: nothing to say (`undefined`), a rejection, or an amended call. */
export type RuleOutcome =
  | { verdict: 'reject'; rule: string; reason: string }
  | { verdict: 'amend'; rule: string; reason: string; call: ToolCall };

/** A proposed call with the guardrails' verdict, as stored in `proposals_json`. */
export type ProposalRecord = {
  tool: string;
  input: unknown;
  verdict: Verdict;
  rule: string;
  reason: string;
  amended?: ToolCall['input'];
  /** Whose call this was, set when the rules planner decided after the model's calls were refused. */
  planner?: 'claude' | 'rules';
};

/** A final action, as stored in `actions_json`; `rule` names the rule that made it mandatory. */
export type FinalAction = ToolCall & { source: 'proposal' | 'mandatory'; rule?: string };

/** A call that could not be parsed (unknown tool, malformed input, truncated): always rejected. */
export type InvalidCall = { tool: string; input: unknown; error: string; rule: string };
