/** Small helpers shared by the event handlers: skipping a row, and metrics for a decision. */
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Db } from '../store/db.ts';
import { commitTx } from './commit-queue.ts';
import { finishInboxRow, isInboxPending } from '../store/inbox-claims.ts';
import { type Decision, overallVerdict } from './decide.ts';
import type { RowOutcome } from './worker-types.ts';

/** Marks the row skipped with a reason (in its own transaction, unless it is no longer pending). */
export async function skipRow(
  db: Db,
  inboxId: number,
  reason: string,
  caseId: string | null,
  now: number,
): Promise<RowOutcome> {
  await commitTx(db, () => {
    if (isInboxPending(db, inboxId)) finishInboxRow(db, inboxId, { status: 'skipped', reason, caseId }, now);
  });
  return { status: 'skipped', reason, caseId };
}

/** Counts one recorded decision in the metrics. */
export function countDecision(metrics: Metrics, decision: Decision): void {
  metrics.decisions.inc({ planner: decision.planner, verdict: overallVerdict(decision) });
  for (const p of decision.proposals)
    if (p.verdict === 'reject') metrics.guardrailRejections.inc({ rule: p.rule });
  if (decision.fallbackReason)
    metrics.plannerFallbacks.inc({ cause: fallbackCause(decision.fallbackReason) });
  const m = decision.modelCall;
  if (!m) return;
  metrics.modelLatency.observe(m.latencyMs / 1000);
  metrics.modelTokens.inc({ kind: 'input' }, m.usage.inputTokens);
  metrics.modelTokens.inc({ kind: 'output' }, m.usage.outputTokens);
  metrics.modelTokens.inc({ kind: 'cache_read' }, m.usage.cacheReadInputTokens);
  metrics.modelTokens.inc({ kind: 'cache_creation' }, m.usage.cacheCreationInputTokens);
}

/** The label of a fallback reason: its part before the first colon (`LLM overloaded`, `LLM timeout`, …). */
export function fallbackCause(reason: string): string {
  return reason.split(':')[0]!.trim();
}

/** Logs the decision, and loudly when the rules planner stood in for the model. */
export function logDecision(log: Logger, caseId: string, decision: Decision): void {
  const actions = decision.actions.map((a) => a.tool);
  if (decision.fallbackReason) {
    log.warn({ caseId, reason: decision.fallbackReason, actions }, 'decided by rules: planner fallback');
  } else {
    log.info({ caseId, planner: decision.planner, actions }, 'decision recorded');
  }
}
