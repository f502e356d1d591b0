/**
 * The shape of `billing-agent audit --json`: one stable document per query, `version: 1`.
 * Fields are only ever added; a change to an existing field's meaning would be version 2.
 * Times are UTC ISO 8601 strings; amounts are Stripe's minor units plus a display string.
 * Customer e-mail addresses never appear in full (they are masked as `j***@example.com`).
 */
import { z } from 'zod';

const time = z.string().describe('UTC ISO 8601');
const nullableTime = time.nullable();

/** One inbox row: an event as it was received. */
export const AuditEventSchema = z.object({
  inboxId: z.number(),
  stripeEventId: z.string().nullable(),
  type: z.string().nullable(),
  status: z.string(),
  reason: z.string().nullable(),
  transport: z.string(),
  kiteId: z.string().nullable(),
  apiVersion: z.string().nullable(),
  livemode: z.boolean().nullable(),
  deliveries: z.number(),
  stripeCreatedAt: nullableTime,
  receivedAt: time,
  processedAt: nullableTime,
});

/** One real payment attempt that failed, with its decline codes. */
export const AuditFailureSchema = z.object({
  attemptKey: z.string(),
  chargeId: z.string().nullable(),
  code: z.string().nullable(),
  declineCode: z.string().nullable(),
  adviceCode: z.string().nullable(),
  networkAdviceCode: z.string().nullable(),
  networkDeclineCode: z.string().nullable(),
  outcomeType: z.string().nullable(),
  outcomeReason: z.string().nullable(),
  cardBrand: z.string().nullable(),
  source: z.string(),
  occurredAt: time,
});

/** One decision: who decided, with what, what was proposed and allowed, and why. */
export const AuditDecisionSchema = z.object({
  id: z.number(),
  at: time,
  trigger: z.string(),
  inboxId: z.number().nullable(),
  planner: z.string(),
  fallbackReason: z.string().nullable(),
  model: z.string().nullable().describe('the model that answered, else the one requested'),
  promptHash: z.string().nullable(),
  policyHash: z.string().nullable(),
  latencyMs: z.number().nullable(),
  usage: z.object({
    inputTokens: z.number().nullable(),
    outputTokens: z.number().nullable(),
    cacheReadInputTokens: z.number().nullable(),
    cacheCreationInputTokens: z.number().nullable(),
  }),
  /** Each proposed action with its verdict and rule, as the agent recorded it. */
  proposals: z.array(z.unknown()),
  /** The final actions after the guardrails. */
  actions: z.array(z.unknown()),
  rationale: z.string().nullable(),
});

/** What one attempt at a job did. */
export const AuditJobResultSchema = z.object({
  at: time,
  outcome: z.string(),
  detail: z.unknown(),
});

/** One action carried out (or waiting) for the case, with its results. */
export const AuditJobSchema = z.object({
  id: z.number(),
  decisionId: z.number().nullable(),
  tool: z.string(),
  args: z.unknown(),
  state: z.string(),
  dueAt: time,
  attempts: z.number(),
  lastError: z.string().nullable(),
  result: z.unknown(),
  createdAt: time,
  finishedAt: nullableTime,
  results: z.array(AuditJobResultSchema),
});

/** One customer notice; the recipient is masked. */
export const AuditNoticeSchema = z.object({
  template: z.string(),
  status: z.string(),
  failureKey: z.string(),
  jobId: z.number().nullable(),
  recipient: z.string().nullable().describe('masked'),
  subject: z.string().nullable(),
  bodyText: z.string().nullable(),
  outboxPath: z.string().nullable(),
  createdAt: time,
  sentAt: nullableTime,
});

/** The case's escalation to a person, with its Slack message. */
export const AuditEscalationSchema = z.object({
  kind: z.string(),
  status: z.string(),
  channel: z.string().nullable(),
  ts: z.string().nullable().describe('the Slack message ts'),
  error: z.string().nullable(),
  text: z.string().nullable(),
  createdAt: time,
  updatedAt: time,
});

/** One line of the timeline. */
export const TimelineEntrySchema = z.object({
  at: time,
  kind: z.enum(['event', 'failure', 'decision', 'job', 'notice', 'escalation', 'case']),
  /** What the line is about: `event:<inboxId>`, `decision:<id>`, `job:<id>`, `notice:<index>`, … */
  ref: z.string(),
  summary: z.string(),
});

/** Everything recorded about one case. */
export const AuditCaseSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.string(),
  closeReason: z.string().nullable(),
  paymentIntentId: z.string().nullable(),
  invoiceId: z.string().nullable(),
  customerId: z.string().nullable(),
  subscriptionId: z.string().nullable(),
  amount: z.object({ minor: z.number(), currency: z.string(), display: z.string() }).nullable(),
  livemode: z.boolean(),
  failureCount: z.number(),
  openedAt: time,
  updatedAt: time,
  closedAt: nullableTime,
  aliases: z.array(z.string()),
  events: z.array(AuditEventSchema),
  failures: z.array(AuditFailureSchema),
  decisions: z.array(AuditDecisionSchema),
  jobs: z.array(AuditJobSchema),
  notices: z.array(AuditNoticeSchema),
  escalation: AuditEscalationSchema.nullable(),
  /** Everything above in time order, one line each, as `audit` prints it. */
  timeline: z.array(TimelineEntrySchema),
});

/** The whole `audit --json` document. */
export const AuditDocumentSchema = z.object({
  version: z.literal(1),
  query: z.string(),
  generatedAt: time,
  cases: z.array(AuditCaseSchema),
  /** Events about the id that belong to no case (ignored, rejected, or not yet processed). */
  unlinkedEvents: z.array(AuditEventSchema),
});

export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type AuditFailure = z.infer<typeof AuditFailureSchema>;
export type AuditDecision = z.infer<typeof AuditDecisionSchema>;
export type AuditJob = z.infer<typeof AuditJobSchema>;
export type AuditNotice = z.infer<typeof AuditNoticeSchema>;
export type AuditEscalation = z.infer<typeof AuditEscalationSchema>;
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;
export type AuditCase = z.infer<typeof AuditCaseSchema>;
export type AuditDocument = z.infer<typeof AuditDocumentSchema>;
