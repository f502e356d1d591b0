/**
 * A card update (`payment_method.attached`, `payment_method.automatically_updated`,
 * `customer.updated` with a new default payment method) is a reason to decide again for each
 * open case of the customer: a retry on the new card may now be allowed at once.
 */
import { type CaseFacts, parseFacts } from '../store/case-facts.ts';
import { type CaseRow, listOpenCasesOfCustomer, updateCase } from '../store/cases.ts';
import type { PlannerContext } from './context-types.ts';
import type { Decision } from './decide.ts';
import type { InboxRow } from '../store/inbox.ts';
import { finishInboxRow, isInboxPending } from '../store/inbox-claims.ts';
import { cancelPendingJobs } from '../store/jobs.ts';
import { caseInfoOf, failureFactsOfRow, loadHistory } from './case-history.ts';
import { listFailures } from '../store/failures.ts';
import { buildContext } from './context.ts';
import { decide } from './decide.ts';
import type { EventFacts } from './facts.ts';
import { countDecision, logDecision, skipRow } from './outcome.ts';
import { recordDecision, scheduleActions, scheduleReply } from './record.ts';
import { commitTx } from './commit-queue.ts';
import type { RowOutcome, WorkerDeps } from './worker-types.ts';

export const CARD_UPDATE_TYPES: ReadonlySet<string> = new Set([
  'payment_method.attached',
  'payment_method.automatically_updated',
  'customer.updated',
]);

/** The new payment method of a card-update event, or undefined when the event changes no card. */
export function newPaymentMethod(facts: EventFacts, event: unknown): string | undefined {
  const object = (event as { data?: { object?: Record<string, unknown> } }).data?.object ?? {};
  if (facts.type !== 'customer.updated') return typeof object.id === 'string' ? object.id : undefined;
  const previous = facts.previous ?? {};
  if (!('invoice_settings' in previous) && !('default_source' in previous)) return undefined;
  const settings = object.invoice_settings as { default_payment_method?: unknown } | null | undefined;
  const pm = settings?.default_payment_method ?? object.default_source;
  if (typeof pm === 'string') return pm;
  return typeof (pm as { id?: unknown } | null)?.id === 'string' ? (pm as { id: string }).id : undefined;
}

/** Handles one card-update event. */
export async function handleCardUpdate(
  deps: WorkerDeps,
  row: InboxRow,
  facts: EventFacts,
  event: unknown,
): Promise<RowOutcome> {
  const { db, clock } = deps;
  const now = clock.now();
  const pm = newPaymentMethod(facts, event);
  if (!pm) return skipRow(db, row.id, 'no payment method change', null, now);
  if (!facts.customerId) return skipRow(db, row.id, 'card update without a customer', null, now);
  const updatedAt = facts.created !== null ? facts.created * 1000 : now;
  const cases = listOpenCasesOfCustomer(db, facts.customerId);
  if (cases.length === 0) return skipRow(db, row.id, 'no open case for this customer', null, now);

  const plans: { c: CaseRow; context: PlannerContext; decision: Decision; stored: CaseFacts }[] = [];
  for (const c of cases) {
    const history = loadHistory(db, c.id);
    const last = listFailures(db, c.id).at(-1);
    if (!last || updatedAt < last.occurred_at) continue;
    const stored: CaseFacts = parseFacts(c.facts_json);
    const failure = { ...failureFactsOfRow(last), attemptKey: last.attempt_key, isNew: false };
    const jobs = history.jobs.map((j) =>
      j.tool === 'retry_payment' && j.state === 'pending' ? { ...j, state: 'superseded' } : j,
    );
    const context = buildContext({
      now,
      trigger: 'card_updated',
      policy: deps.policy,
      caseInfo: caseInfoOf(c, { ...facts, id: c.id, kind: c.kind, amount: null, currency: null, now }),
      event: {
        id: facts.eventId,
        type: facts.type,
        created: facts.created,
        apiVersion: facts.apiVersion,
        livemode: facts.livemode,
      },
      failure,
      recorded: history.recorded,
      jobs,
      cardDeclines24h: 0,
      cardUpdatedAt: updatedAt,
      billing: {
        retryBooked: c.invoice_id !== null && (stored.nextPaymentAttempt ?? null) !== null,
        nextPaymentAttempt: stored.nextPaymentAttempt ?? null,
        attemptCount: stored.attemptCount ?? null,
        source: stored.nextPaymentAttempt !== undefined ? 'event' : 'none',
      },
      live: { fetched: false, status: null, error: null },
      storm: null,
      untrusted: null,
    });
    plans.push({ c, context, decision: await decide(context, deps.planner, deps.policy), stored });
  }
  if (plans.length === 0)
    return skipRow(db, row.id, 'stale event: older than the last failure', cases[0]!.id, now);

  let written = false;
  await commitTx(db, () => {
    if (!isInboxPending(db, row.id)) return;
    for (const { c, context, decision, stored } of plans) {
      const facts2: CaseFacts = { ...stored, updatedPaymentMethodId: pm, cardUpdatedAt: updatedAt };
      updateCase(db, c.id, { factsJson: JSON.stringify(facts2) }, now);
      if (decision.actions.some((a) => a.tool === 'retry_payment')) {
        cancelPendingJobs(db, c.id, 'superseded by a retry on the updated card', now, ['retry_payment']);
      }
      const decisionId = recordDecision(db, {
        caseId: c.id,
        inboxId: row.id,
        trigger: 'card_updated',
        now,
        decision,
        context,
        promptHash: deps.prompt?.hash ?? null,
      });
      scheduleActions(db, {
        caseId: c.id,
        decisionId,
        actions: decision.actions,
        context,
        facts: facts2,
        planner: decision.planner,
        now,
      });
      if (context.history.escalated) {
        const retried = decision.actions.some((a) => a.tool === 'retry_payment');
        const text = `The customer updated the card${retried ? '; retrying on the new card' : ''}.`;
        scheduleReply(db, { caseId: c.id, decisionId, inboxId: row.id, reply: { event: 'note', text }, now });
      }
    }
    finishInboxRow(db, row.id, { status: 'done', caseId: plans[0]!.c.id }, now);
    written = true;
  });
  if (written) {
    for (const p of plans) {
      countDecision(deps.metrics, p.decision);
      logDecision(deps.log, p.c.id, p.decision);
    }
  }
  return { status: written ? 'done' : 'skipped', reason: null, caseId: plans[0]!.c.id };
}
