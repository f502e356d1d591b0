/** Guardrails on `escalate_to_human`: one escalation per case; later events reply in its thread. */
import type { EscalateToHumanInput } from '../../tools/schemas.ts';
import type { PlannerContext } from '../context-types.ts';
import type { RuleOutcome } from './types.ts';

type EscalateCall = { tool: 'escalate_to_human'; input: EscalateToHumanInput };

/** A case is escalated at most once. */
export function escalateOnce(_call: EscalateCall, ctx: PlannerContext): RuleOutcome | undefined {
  return ctx.history.escalated
    ? {
        verdict: 'reject',
        rule: 'escalate_once',
        reason: 'the case is already escalated; the thread gets a reply',
      }
    : undefined;
}

export const ESCALATE_RULES = [escalateOnce] as const;
