/**
 * Writing a decision down (inside the worker's transaction): the decision row with the model
 * call, and one job per final action, keyed so that deciding twice never schedules twice.
 * Retry due times are UTC epoch ms: the failure time plus the delay, never a local time.
 */
import type { CaseFacts } from '../store/case-facts.ts';
import type { Db } from '../store/db.ts';
import { insertDecision } from '../store/decisions.ts';
import { insertJob, listCaseJobs } from '../store/jobs.ts';
import {
  type EscalateJobArgs,
  jobKeys,
  type NotifyJobArgs,
  type RetryJobArgs,
  type SlackReplyJobArgs,
} from '../tools/schemas.ts';
import type { PlannerContext } from './context-types.ts';
import type { Decision } from './decide.ts';
import type { FinalAction } from './guardrails/types.ts';

/** Appends the decision row; returns its id. */
export function recordDecision(
  db: Db,
  args: {
    caseId: string;
    inboxId: number | null;
    trigger: string;
    now: number;
    decision: Decision;
    context: unknown;
    promptHash: string | null;
  },
): number {
  const { decision: d } = args;
  const m = d.modelCall;
  return insertDecision(db, {
    caseId: args.caseId,
    inboxId: args.inboxId,
    trigger: args.trigger,
    createdAt: args.now,
    planner: d.planner,
    fallbackReason: d.fallbackReason,
    providerName: m?.providerName ?? null,
    requestModel: m?.requestModel ?? null,
    responseModel: m?.responseModel ?? null,
    responseId: m?.responseId ?? null,
    finishReasons: m?.finishReasons ?? null,
    inputTokens: m?.usage.inputTokens ?? null,
    outputTokens: m?.usage.outputTokens ?? null,
    cacheReadInputTokens: m?.usage.cacheReadInputTokens ?? null,
    cacheCreationInputTokens: m?.usage.cacheCreationInputTokens ?? null,
    latencyMs: m?.latencyMs ?? null,
    promptHash: m ? args.promptHash : null,
    policyHash: d.policyHash,
    context: args.context,
    request: m?.request ?? null,
    response: m?.response ?? (m?.error ? { error: m.error } : null),
    proposals: d.proposals,
    actions: d.actions,
    rationale: d.rationale,
  });
}

/** Writes one job per final action; returns the ids of the jobs created. */
export function scheduleActions(
  db: Db,
  args: {
    caseId: string;
    decisionId: number;
    actions: readonly FinalAction[];
    context: PlannerContext;
    facts: CaseFacts;
    planner: 'claude' | 'rules';
    now: number;
  },
): number[] {
  const { caseId, decisionId, context: ctx, now } = args;
  const ids: number[] = [];
  const add = (
    tool: 'retry_payment' | 'notify_customer' | 'escalate_to_human',
    key: string,
    jobArgs: unknown,
    dueAt: number,
  ) => {
    const id = insertJob(db, { caseId, decisionId, tool, args: jobArgs, idempotencyKey: key, dueAt }, now);
    if (id !== undefined) ids.push(id);
  };
  const failureKey = ctx.failure?.attemptKey ?? `event:${ctx.event.id}`;
  for (const action of args.actions) {
    if (action.tool === 'retry_payment') {
      const attempt = listCaseJobs(db, caseId, 'retry_payment').length + 1;
      const cardChanged =
        args.facts.cardUpdatedAt !== undefined && args.facts.cardUpdatedAt > (ctx.failure?.occurredAt ?? 0);
      const paymentMethodId =
        (cardChanged ? args.facts.updatedPaymentMethodId : undefined) ?? args.facts.failedPaymentMethodId;
      const jobArgs: RetryJobArgs = {
        attempt,
        ...(ctx.case.paymentIntentId ? { paymentIntentId: ctx.case.paymentIntentId } : {}),
        ...(ctx.case.invoiceId ? { invoiceId: ctx.case.invoiceId } : {}),
        ...(paymentMethodId ? { paymentMethodId } : {}),
        failureKey,
      };
      add(
        'retry_payment',
        jobKeys.retry(caseId, attempt),
        jobArgs,
        ctx.budgets.retryBaseAt + action.input.delay_seconds * 1000,
      );
    } else if (action.tool === 'notify_customer') {
      const jobArgs: NotifyJobArgs = { template: action.input.template, failureKey };
      add('notify_customer', jobKeys.notify(caseId, failureKey, action.input.template), jobArgs, now);
    } else if (action.tool === 'escalate_to_human') {
      const fromModel = action.source === 'proposal' && args.planner === 'claude';
      const jobArgs: EscalateJobArgs = {
        kind: 'case',
        reason: fromModel ? 'proposed by the claude planner' : action.input.summary,
        ...(fromModel ? { modelSummary: action.input.summary } : {}),
        urgency: action.input.urgency,
      };
      add('escalate_to_human', jobKeys.escalate(caseId), jobArgs, now);
    }
  }
  return ids;
}

/** A reply in the case's escalation thread. */
export function scheduleReply(
  db: Db,
  args: { caseId: string; decisionId: number | null; inboxId: number; reply: SlackReplyJobArgs; now: number },
): void {
  insertJob(
    db,
    {
      caseId: args.caseId,
      ...(args.decisionId === null ? {} : { decisionId: args.decisionId }),
      tool: 'slack_reply',
      args: args.reply,
      idempotencyKey: jobKeys.reply(args.caseId, args.inboxId),
      dueAt: args.now,
    },
    args.now,
  );
}

/** The incident escalation of a storm (one per storm, by its id). */
export function scheduleIncident(db: Db, incidentId: string, reason: string, now: number): void {
  const jobArgs: EscalateJobArgs = { kind: 'incident', reason, urgency: 'high' };
  insertJob(
    db,
    {
      caseId: incidentId,
      tool: 'escalate_to_human',
      args: jobArgs,
      idempotencyKey: jobKeys.escalate(incidentId),
      dueAt: now,
    },
    now,
  );
}
