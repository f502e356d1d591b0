/**
 * Turns the rows recorded about a case into the audit document (`audit-document.ts`): names
 * in camelCase, times in UTC ISO, JSON columns parsed, e-mail addresses masked, and one
 * time-ordered timeline of everything that happened.
 */
import { formatAmount } from '../money.ts';
import type { AuditInboxRow, CaseRecord } from '../store/audit-read.ts';
import type {
  AuditCase,
  AuditDecision,
  AuditDocument,
  AuditEvent,
  AuditJob,
  AuditNotice,
} from './audit-document.ts';
import { buildTimeline } from './audit-timeline.ts';
import { maskDeep, maskEmails, maskNullable } from './mask.ts';

/** Epoch milliseconds as UTC ISO 8601. */
export const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : iso(ms));

function parseJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : value == null ? [] : [value]);

/** One inbox row as an audit event. */
export function toAuditEvent(row: AuditInboxRow): AuditEvent {
  return {
    inboxId: row.id,
    stripeEventId: row.stripe_event_id,
    type: row.type,
    status: row.status,
    reason: maskNullable(row.reason),
    transport: row.transport,
    kiteId: row.kite_id,
    apiVersion: row.api_version,
    livemode: row.livemode === null ? null : row.livemode === 1,
    deliveries: row.deliveries,
    stripeCreatedAt: row.stripe_created === null ? null : iso(row.stripe_created * 1000),
    receivedAt: iso(row.received_at),
    processedAt: isoOrNull(row.processed_at),
  };
}

/** The masked address the notice went to (masked again, in case an older row holds more). */
function recipientOf(row: { recipient_masked?: string | null }): string | null {
  return row.recipient_masked ? maskEmails(row.recipient_masked) : null;
}

/** Builds the audit view of one case. */
export function toAuditCase(record: CaseRecord): AuditCase {
  const c = record.case;
  const decisions: AuditDecision[] = record.decisions.map((d) => ({
    id: d.id,
    at: iso(d.created_at),
    trigger: d.trigger,
    inboxId: d.inbox_id,
    planner: d.planner,
    fallbackReason: d.fallback_reason,
    model: d.gen_ai_response_model ?? d.gen_ai_request_model,
    promptHash: d.prompt_hash,
    policyHash: d.policy_hash,
    latencyMs: d.latency_ms,
    usage: {
      inputTokens: d.gen_ai_usage_input_tokens,
      outputTokens: d.gen_ai_usage_output_tokens,
      cacheReadInputTokens: d.gen_ai_usage_cache_read_input_tokens,
      cacheCreationInputTokens: d.gen_ai_usage_cache_creation_input_tokens,
    },
    proposals: asArray(maskDeep(parseJson(d.proposals_json))),
    actions: asArray(maskDeep(parseJson(d.actions_json))),
    rationale: maskNullable(d.rationale),
  }));
  const jobs: AuditJob[] = record.jobs.map((j) => ({
    id: j.id,
    decisionId: j.decision_id,
    tool: j.tool,
    args: maskDeep(parseJson(j.args_json)),
    state: j.state,
    dueAt: iso(j.due_at),
    attempts: j.attempts,
    lastError: maskNullable(j.last_error),
    result: maskDeep(parseJson(j.result_json)),
    createdAt: iso(j.created_at),
    finishedAt: isoOrNull(j.finished_at),
    results: record.jobResults
      .filter((r) => r.job_id === j.id)
      .map((r) => ({ at: iso(r.at), outcome: r.outcome, detail: maskDeep(parseJson(r.detail_json)) })),
  }));
  const notices: AuditNotice[] = record.notices.map((n) => ({
    template: n.template,
    status: n.status,
    failureKey: n.failure_key,
    jobId: n.job_id,
    recipient: recipientOf(n),
    subject: maskNullable(n.subject),
    bodyText: maskNullable(n.body_text),
    outboxPath: n.outbox_path,
    createdAt: iso(n.created_at),
    sentAt: isoOrNull(n.sent_at),
  }));
  const e = record.escalation;
  const base = {
    id: c.id,
    kind: c.kind,
    status: c.status,
    closeReason: c.close_reason,
    paymentIntentId: c.payment_intent_id,
    invoiceId: c.invoice_id,
    customerId: c.customer_id,
    subscriptionId: c.subscription_id,
    amount:
      c.amount === null || !c.currency
        ? null
        : { minor: c.amount, currency: c.currency, display: formatAmount(c.amount, c.currency) },
    livemode: c.livemode === 1,
    failureCount: c.failure_count,
    openedAt: iso(c.opened_at),
    updatedAt: iso(c.updated_at),
    closedAt: isoOrNull(c.closed_at),
    aliases: record.aliases,
    events: record.events.map(toAuditEvent),
    failures: record.failures.map((f) => ({
      attemptKey: f.attempt_key,
      chargeId: f.charge_id,
      code: f.code,
      declineCode: f.decline_code,
      adviceCode: f.advice_code,
      networkAdviceCode: f.network_advice_code,
      networkDeclineCode: f.network_decline_code,
      outcomeType: f.outcome_type,
      outcomeReason: f.outcome_reason,
      cardBrand: f.card_brand,
      source: f.source,
      occurredAt: iso(f.occurred_at),
    })),
    decisions,
    jobs,
    notices,
    escalation: e
      ? {
          kind: e.kind,
          status: e.status,
          channel: e.channel,
          ts: e.ts,
          error: maskNullable(e.error),
          text: maskNullable(e.text),
          createdAt: iso(e.created_at),
          updatedAt: iso(e.updated_at),
        }
      : null,
  };
  return { ...base, timeline: buildTimeline(base) };
}

/** The whole `audit --json` document for a query. */
export function buildAuditDocument(
  query: string,
  records: CaseRecord[],
  unlinked: AuditInboxRow[],
  now: number,
): AuditDocument {
  return {
    version: 1,
    query,
    generatedAt: iso(now),
    cases: records.map(toAuditCase),
    unlinkedEvents: unlinked.map(toAuditEvent),
  };
}
