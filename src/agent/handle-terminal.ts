/**
 * Terminal events close the case and cancel whatever is pending: a success
 * (`payment_intent.succeeded`, `invoice.paid`, `invoice_payment.paid`), a cancel, a voided or
 * uncollectible invoice, a dispute, a deleted customer. If the customer had been told about the
 * failure, a real success (not a $0 invoice, not a cancel) sends the recovery notice; an
 * escalated case gets a reply in its thread; a dispute is escalated. The closing is recorded as
 * a decision made by code (planner `rules`, trigger `closed`).
 */
import { type CaseRow, closeCase, findOpenCases, listOpenCasesOfCustomer } from '../store/cases.ts';
import type { InboxRow } from '../store/inbox.ts';
import { finishInboxRow, isInboxPending } from '../store/inbox-claims.ts';
import { cancelPendingJobs, insertJob, listJobs } from '../store/jobs.ts';
import { type EscalateJobArgs, jobKeys, type NotifyJobArgs } from '../tools/schemas.ts';
import { resolveCases } from './cases.ts';
import type { Decision } from './decide.ts';
import type { EventFacts } from './facts.ts';
import type { FinalAction } from './guardrails/types.ts';
import { policyHash } from './policy.ts';
import { countDecision, skipRow } from './outcome.ts';
import { recordDecision, scheduleReply } from './record.ts';
import { commitTx } from './commit-queue.ts';
import type { RowOutcome, WorkerDeps } from './worker-types.ts';

const SUCCESS_TYPES = new Set([
  'payment_intent.succeeded',
  'invoice.paid',
  'invoice_payment.paid',
  'charge.succeeded',
]);

export const TERMINAL_TYPES: ReadonlySet<string> = new Set([
  ...SUCCESS_TYPES,
  'payment_intent.canceled',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'charge.dispute.created',
  'customer.deleted',
]);

/** Handles one terminal event. */
export async function handleTerminal(
  deps: WorkerDeps,
  row: InboxRow,
  facts: EventFacts,
): Promise<RowOutcome> {
  const { db, clock } = deps;
  const now = clock.now();
  const cases =
    facts.type === 'customer.deleted'
      ? facts.customerId
        ? listOpenCasesOfCustomer(db, facts.customerId)
        : []
      : resolveCases(facts, (ids) => findOpenCases(db, ids));
  if (cases.length === 0) return skipRow(db, row.id, 'no open case for this event', null, now);
  const paidNothing = facts.amountPaid === 0 || (facts.amountPaid === null && facts.amount === 0);
  const success = SUCCESS_TYPES.has(facts.type) && !paidNothing;
  let decisions: Decision[] = [];
  await commitTx(db, () => {
    if (!isInboxPending(db, row.id)) return;
    decisions = closeCasesInTx(deps, { cases, reason: facts.type, success, row, facts, now });
    finishInboxRow(db, row.id, { status: 'done', caseId: cases[0]!.id }, now);
  });
  for (const d of decisions) countDecision(deps.metrics, d);
  return { status: 'done', reason: null, caseId: cases[0]!.id };
}

/** Closes cases inside the caller's transaction; returns the decisions recorded. */
export function closeCasesInTx(
  deps: WorkerDeps,
  args: { cases: CaseRow[]; reason: string; success: boolean; row: InboxRow; facts: EventFacts; now: number },
): Decision[] {
  const { db, log } = deps;
  const { now, row } = args;
  const out: Decision[] = [];
  for (const c of args.cases) {
    const jobs = listJobs(db, c.id);
    const told = jobs.some(
      (j) => j.tool === 'notify_customer' && (j.state === 'done' || j.state === 'running'),
    );
    const escalation = jobs.find((j) => j.tool === 'escalate_to_human');
    const escalated = escalation !== undefined;
    // An escalation still pending is canceled with the case: there is no thread to reply in.
    const threadExists = escalation !== undefined && escalation.state !== 'pending';
    closeCase(db, c.id, args.reason, now);
    const dispute = args.facts.type === 'charge.dispute.created';
    // A dispute keeps a pending escalation: a person must hear about it.
    const toCancel = dispute ? (['retry_payment', 'notify_customer', 'slack_reply'] as const) : undefined;
    const canceled = cancelPendingJobs(
      db,
      c.id,
      `case closed: ${args.reason}`,
      now,
      toCancel ? [...toCancel] : undefined,
    );
    const actions: FinalAction[] = [];
    if (args.success && told) {
      const notice: NotifyJobArgs = { template: 'payment_recovered', failureKey: 'recovered' };
      insertJob(
        db,
        {
          caseId: c.id,
          tool: 'notify_customer',
          args: notice,
          idempotencyKey: jobKeys.notify(c.id, 'recovered', 'payment_recovered'),
          dueAt: now,
        },
        now,
      );
      actions.push({
        tool: 'notify_customer',
        input: { template: 'payment_recovered', rationale: 'the payment succeeded' },
        source: 'mandatory',
        rule: 'recovery_notice',
      });
    }
    if (dispute && !escalated) {
      const esc: EscalateJobArgs = { kind: 'case', reason: 'the customer opened a dispute', urgency: 'high' };
      insertJob(
        db,
        {
          caseId: c.id,
          tool: 'escalate_to_human',
          args: esc,
          idempotencyKey: jobKeys.escalate(c.id),
          dueAt: now,
        },
        now,
      );
      actions.push({
        tool: 'escalate_to_human',
        input: { summary: esc.reason, urgency: 'high', rationale: 'mandatory: escalate_dispute' },
        source: 'mandatory',
        rule: 'escalate_dispute',
      });
    }
    const decision: Decision = {
      planner: 'rules',
      fallbackReason: null,
      proposals: [],
      actions,
      rationale: `case closed by ${args.reason}; ${canceled} pending job(s) canceled`,
      modelCall: null,
      policyHash: policyHash(deps.policy),
    };
    const context = {
      schema: 1,
      now,
      trigger: 'closed',
      case: {
        id: c.id,
        kind: c.kind,
        status: 'closed',
        paymentIntentId: c.payment_intent_id,
        invoiceId: c.invoice_id,
      },
      event: { id: args.facts.eventId, type: args.facts.type, created: args.facts.created },
      closed: { reason: args.reason, success: args.success, canceledJobs: canceled, customerWasTold: told },
    };
    const decisionId = recordDecision(db, {
      caseId: c.id,
      inboxId: row.id,
      trigger: 'closed',
      now,
      decision,
      context,
      promptHash: null,
    });
    if (threadExists) {
      const event = args.success ? 'recovered' : 'closed';
      const text = args.success
        ? 'The payment succeeded; the case is closed.'
        : `The case is closed: ${args.reason}.`;
      scheduleReply(db, { caseId: c.id, decisionId, inboxId: row.id, reply: { event, text }, now });
    }
    log.info(
      { caseId: c.id, reason: args.reason, canceled, recoveryNotice: args.success && told },
      'case closed',
    );
    out.push(decision);
  }
  return out;
}
