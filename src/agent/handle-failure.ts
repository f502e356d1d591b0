/**
 * A failed payment attempt: find or open its case, count the attempt once (by its failed
 * charge; facts without a charge merge with one of the same case within minutes), read live
 * facts, build the context, decide, and write the failure, the decision and its jobs in one
 * transaction with the inbox status.
 */
import { type CaseFacts, parseFacts } from '../store/case-facts.ts';
import { completion, definedFacts, failureRow, mergedFacts, rowSignals, saveFacts } from './failure-rows.ts';
import {
  addAliases,
  type CaseRow,
  findCase,
  findOpenCases,
  getCase,
  insertCase,
  mergeCases,
} from '../store/cases.ts';
import {
  completeFailure,
  countCardDeclines,
  findFailure,
  findFailureNear,
  type FailureRow,
  insertFailure,
} from '../store/failures.ts';
import type { InboxRow } from '../store/inbox.ts';
import { finishInboxRow, isInboxPending } from '../store/inbox-claims.ts';
import { cancelPendingJobs } from '../store/jobs.ts';
import { setMeta, META_KEYS } from '../store/meta.ts';
import { caseInfoOf, loadHistory } from './case-history.ts';
import { attemptKeyOf, caseKeyOf, resolveCases } from './cases.ts';
import { parseDuration } from '../duration.ts';
import { buildContext, signalsOf } from './context.ts';
import type { PlannerContext } from './context-types.ts';
import { decide } from './decide.ts';
import { classifyDecline, RETRYABLE_CLASSES } from './declines.ts';
import type { EventFacts, FailureFacts } from './facts.ts';
import { ATTEMPT_MERGE_WINDOW_MS, CARD_DECLINE_WINDOW_MS } from './limits.ts';
import { FINISHED_STATUSES, type LiveSnapshot } from './live-facts.ts';
import { countDecision, logDecision, skipRow } from './outcome.ts';
import { recordDecision, scheduleActions, scheduleIncident, scheduleReply } from './record.ts';
import { assessStorm, stormMeta } from './storm.ts';
import { closeCasesInTx } from './handle-terminal.ts';
import { commitTx } from './commit-queue.ts';
import type { RowOutcome, WorkerDeps } from './worker-types.ts';

/** Handles one failure event. */
export async function handleFailure(deps: WorkerDeps, row: InboxRow, facts: EventFacts): Promise<RowOutcome> {
  const { db, clock, log } = deps;
  const now = clock.now();
  const key = caseKeyOf(facts);
  const failure = facts.failure;
  if (!key || !failure) return skipRow(db, row.id, 'failure event without a payment id', null, now);
  if (facts.type === 'payment_intent.requires_action' && !failure.code && !failure.declineCode) {
    // An on-session payment waiting for 3D Secure is not a failure; only a declined attempt is.
    return skipRow(db, row.id, 'requires_action without a failed attempt', null, now);
  }
  const open = resolveCases(facts, (ids) => findOpenCases(db, ids));
  const existing = open.find((c) => c.kind === 'invoice') ?? open[0];
  if (!existing) {
    const [closed] = resolveCases(facts, (ids) => {
      const c = findCase(db, ids);
      return c ? [c] : [];
    });
    if (closed) return skipRow(db, row.id, `case ${closed.id} is closed`, closed.id, now);
  }
  const caseId = existing?.id ?? key.id;
  log.info({ caseId, eventId: facts.eventId, chargeSource: failure.chargeSource }, 'failure read');

  const same = existing ? sameAttempt(deps, existing.id, facts, failure) : undefined;
  let trigger: PlannerContext['trigger'] = 'failure';
  if (same) {
    const before = classifyDecline(rowSignals(same)).class;
    const after = classifyDecline(signalsOf(mergedFacts(same, failure))).class;
    if (!(RETRYABLE_CLASSES.has(before) && !RETRYABLE_CLASSES.has(after))) {
      await commitTx(db, () => {
        if (!isInboxPending(db, row.id)) return;
        completeFailure(db, same.id, completion(failure));
        saveFacts(db, existing!, facts, now);
        finishInboxRow(
          db,
          row.id,
          { status: 'skipped', reason: `duplicate failure already counted (${same.attempt_key})`, caseId },
          now,
        );
      });
      return { status: 'skipped', reason: 'duplicate failure already counted', caseId };
    }
    trigger = 'failure_details';
  }
  if (
    !same &&
    existing?.last_event_created &&
    facts.created !== null &&
    facts.created < existing.last_event_created
  ) {
    await commitTx(db, () => {
      if (!isInboxPending(db, row.id)) return;
      insertFailure(db, failureRow(caseId, attemptKeyOf(facts), failure, row), now);
      finishInboxRow(
        db,
        row.id,
        { status: 'skipped', reason: 'stale event: failure counted, no new decision', caseId },
        now,
      );
    });
    return { status: 'skipped', reason: 'stale event', caseId };
  }

  const live = await readLive(deps, existing, facts);
  if (live.snapshot?.status && FINISHED_STATUSES.has(live.snapshot.status)) {
    const reason = `live status ${live.snapshot.status}`;
    if (!existing) return skipRow(db, row.id, `${reason}: nothing to do`, null, now);
    await commitTx(db, () => {
      if (!isInboxPending(db, row.id)) return;
      const success = live.snapshot?.status === 'succeeded' || live.snapshot?.status === 'paid';
      closeCasesInTx(deps, { cases: [existing], reason, success, row, facts, now });
      finishInboxRow(db, row.id, { status: 'done', reason, caseId }, now);
    });
    return { status: 'done', reason, caseId };
  }

  const stored: CaseFacts = { ...parseFacts(existing?.facts_json), ...definedFacts(facts.caseFacts) };
  const history = loadHistory(db, existing?.id);
  const windowMs = parseDuration(deps.policy.storm.window)!;
  const current = same
    ? { ...mergedFacts(same, failure), attemptKey: same.attempt_key, isNew: false }
    : { ...failure, attemptKey: attemptKeyOf(facts), isNew: true };
  const storm = assessStorm(
    deps.db,
    deps.policy,
    current,
    history.recorded.some(
      (f) => f.code === 'processing_error' && f.occurredAt >= current.occurredAt - windowMs,
    ),
  );
  const jobs = same
    ? history.jobs.map((j) =>
        j.tool === 'retry_payment' && j.state === 'pending' ? { ...j, state: 'canceled' } : j,
      )
    : history.jobs;
  const next = live.snapshot?.nextPaymentAttempt ?? stored.nextPaymentAttempt ?? null;
  const context = buildContext({
    now,
    trigger,
    policy: deps.policy,
    caseInfo: caseInfoOf(existing, { ...key, ...facts, id: caseId, now }),
    event: {
      id: facts.eventId,
      type: facts.type,
      created: facts.created,
      apiVersion: facts.apiVersion,
      livemode: facts.livemode,
    },
    failure: current,
    recorded: history.recorded,
    jobs,
    cardDeclines24h:
      current.cardFingerprint && current.isNew
        ? countCardDeclines(db, current.cardFingerprint, now - CARD_DECLINE_WINDOW_MS)
        : 0,
    cardUpdatedAt: stored.cardUpdatedAt ?? null,
    billing: {
      retryBooked: (existing?.invoice_id ?? facts.invoiceId) !== null && next !== null,
      nextPaymentAttempt: next,
      attemptCount: live.snapshot?.attemptCount ?? stored.attemptCount ?? null,
      source: live.snapshot ? 'live' : stored.nextPaymentAttempt !== undefined ? 'event' : 'none',
    },
    live: { fetched: live.snapshot !== undefined, status: live.snapshot?.status ?? null, error: live.error },
    storm: storm ? { incidentId: storm.incidentId, since: storm.since, holdUntil: storm.holdUntil } : null,
    untrusted: facts.untrusted,
  });
  const decision = await decide(context, deps.planner, deps.policy);

  let written = false;
  await commitTx(db, () => {
    if (!isInboxPending(db, row.id)) return;
    const caseRow = getCase(db, caseId) ?? openCase(deps, caseId, key.kind, facts, now);
    for (const other of open) {
      if (other.id === caseId) continue;
      mergeCases(db, other.id, caseId, now);
      cancelPendingJobs(db, other.id, `merged into ${caseId}`, now);
    }
    addAliases(db, caseId, [...key.aliases, ...(live.snapshot?.paymentIntentIds ?? [])]);
    if (same) {
      completeFailure(db, same.id, completion(failure));
      cancelPendingJobs(db, caseId, 'the failure turned out not to be retryable', now, ['retry_payment']);
    } else {
      insertFailure(db, failureRow(caseId, current.attemptKey, failure, row), now);
    }
    const savedFacts = saveFacts(db, caseRow, facts, now);
    const decisionId = recordDecision(db, {
      caseId,
      inboxId: row.id,
      trigger,
      now,
      decision,
      context,
      promptHash: deps.prompt?.hash ?? null,
    });
    scheduleActions(db, {
      caseId,
      decisionId,
      actions: decision.actions,
      context,
      facts: savedFacts,
      planner: decision.planner,
      now,
    });
    if (context.history.escalated) {
      const text = `Failed again: ${failure.declineCode ?? failure.code ?? 'no decline code'}`;
      scheduleReply(db, { caseId, decisionId, inboxId: row.id, reply: { event: 'failed_again', text }, now });
    }
    if (storm) {
      setMeta(db, META_KEYS.storm, stormMeta(storm), now);
      if (storm.raise)
        scheduleIncident(
          db,
          storm.incidentId,
          `processor outage: ${storm.count} cases failed with processing_error`,
          now,
        );
    }
    finishInboxRow(db, row.id, { status: 'done', caseId }, now);
    written = true;
  });
  if (!written) return { status: 'skipped', reason: 'row no longer pending', caseId };
  countDecision(deps.metrics, decision);
  log.info({ caseId, class: context.failure?.classification.class }, 'failure classified');
  logDecision(log, caseId, decision);
  return { status: 'done', reason: null, caseId };
}

function sameAttempt(
  deps: WorkerDeps,
  caseId: string,
  facts: EventFacts,
  failure: FailureFacts,
): FailureRow | undefined {
  const { db } = deps;
  const key = attemptKeyOf(facts);
  const byKey = findFailure(db, caseId, key, failure.chargeId ? [failure.chargeId] : []);
  if (byKey) return byKey;
  const near = findFailureNear(
    db,
    caseId,
    failure.occurredAt,
    ATTEMPT_MERGE_WINDOW_MS,
    failure.chargeId !== null,
  );
  // Two numbered invoice attempts are two attempts, however close in time.
  if (near && isInvoiceAttempt(key) && isInvoiceAttempt(near.attempt_key)) return undefined;
  return near;
}

const isInvoiceAttempt = (key: string) => /^in_[^#]+#\d+$/.test(key);

async function readLive(deps: WorkerDeps, existing: CaseRow | undefined, facts: EventFacts) {
  if (!deps.liveFacts) return { snapshot: undefined, error: null };
  const ids = {
    paymentIntentId: existing?.payment_intent_id ?? facts.paymentIntentId,
    invoiceId: existing?.invoice_id ?? facts.invoiceId,
  };
  try {
    const snapshot: LiveSnapshot = await deps.liveFacts.fetch(ids);
    return { snapshot, error: null };
  } catch (error) {
    deps.log.warn({ ...ids, err: error }, 'live facts unavailable');
    return { snapshot: undefined, error: (error as Error).message };
  }
}

function openCase(
  deps: WorkerDeps,
  id: string,
  kind: CaseRow['kind'],
  facts: EventFacts,
  now: number,
): CaseRow {
  insertCase(
    deps.db,
    {
      id,
      kind,
      paymentIntentId: facts.paymentIntentId,
      invoiceId: facts.invoiceId,
      customerId: facts.customerId,
      subscriptionId: facts.subscriptionId,
      amount: facts.amount,
      currency: facts.currency,
      livemode: facts.livemode,
    },
    now,
  );
  deps.log.info({ caseId: id, kind }, 'case opened');
  return getCase(deps.db, id)!;
}
