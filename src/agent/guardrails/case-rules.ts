/** Rules that apply to every call: a closed case takes no action; conflicting calls cancel out. */
import type { ToolCall } from '../../tools/schemas.ts';
import type { PlannerContext } from '../context-types.ts';
import type { RuleOutcome } from './types.ts';

/** Nothing is done on a closed case. */
export function caseClosed(_call: ToolCall, ctx: PlannerContext): RuleOutcome | undefined {
  if (ctx.case.status !== 'closed') return undefined;
  return { verdict: 'reject', rule: 'case_closed', reason: 'the case is closed' };
}

/**
 * Finds calls that contradict each other: the same tool twice (both rejected, since we cannot
 * tell which was meant), or `no_action` next to an action (the `no_action` is rejected).
 * Returns the indexes to reject.
 */
export function conflictingCalls(calls: readonly ToolCall[]): Map<number, string> {
  const rejected = new Map<number, string>();
  const byTool = new Map<string, number[]>();
  calls.forEach((call, i) => {
    byTool.set(call.tool, [...(byTool.get(call.tool) ?? []), i]);
  });
  for (const [tool, indexes] of byTool) {
    if (indexes.length > 1)
      for (const i of indexes) rejected.set(i, `${indexes.length} ${tool} calls in one turn`);
  }
  const hasAction = calls.some((c, i) => c.tool !== 'no_action' && !rejected.has(i));
  if (hasAction) {
    calls.forEach((c, i) => {
      if (c.tool === 'no_action' && !rejected.has(i))
        rejected.set(i, 'no_action proposed together with an action');
    });
  }
  return rejected;
}
