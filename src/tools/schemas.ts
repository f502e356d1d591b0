/**
 * The tools the planner may propose, defined once in zod. The Claude planner turns these into
 * the tool definitions the model sees; the guardrails and executors read the same types. Every
 * tool has a required `rationale`, which is recorded as the model's words and never sent to a
 * customer. Also the arguments of the jobs that carry an allowed action out.
 */
import { z } from 'zod';

/** Customer notice templates (files in `templates/`); the model picks one, code fills it. */
export const NOTICE_TEMPLATES = [
  'first_failure',
  'update_payment_method',
  'authenticate',
  'card_expired',
  'last_notice',
  'payment_recovered',
] as const;
export const NoticeTemplateSchema = z.enum(NOTICE_TEMPLATES);
export type NoticeTemplate = z.infer<typeof NoticeTemplateSchema>;

const rationale = z
  .string()
  .min(1)
  .max(2000)
  .describe('Why this action, in one or two sentences. Recorded for auditors; never shown to customers.');

export const RetryPaymentInputSchema = z.strictObject({
  delay_seconds: z
    .number()
    .int()
    .min(0)
    .describe('How long to wait before retrying the same payment off-session, in seconds.'),
  rationale,
});
export type RetryPaymentInput = z.infer<typeof RetryPaymentInputSchema>;

export const NotifyCustomerInputSchema = z.strictObject({
  template: NoticeTemplateSchema.describe(
    'Which notice to send. The wording and recipient are fixed by code.',
  ),
  rationale,
});
export type NotifyCustomerInput = z.infer<typeof NotifyCustomerInputSchema>;

export const EscalateToHumanInputSchema = z.strictObject({
  summary: z
    .string()
    .min(1)
    .max(1000)
    .describe('What a support person should know and do. Shown in Slack, labelled as the model’s words.'),
  urgency: z.enum(['normal', 'high']).describe('high: money or a customer relationship is at risk now.'),
  rationale,
});
export type EscalateToHumanInput = z.infer<typeof EscalateToHumanInputSchema>;

export const NoActionInputSchema = z.strictObject({
  rationale,
});
export type NoActionInput = z.infer<typeof NoActionInputSchema>;

/** Every tool, by the snake_case name the model sees. */
export const TOOLS = {
  retry_payment: {
    description:
      'Schedule one off-session retry of the failed payment (the same PaymentIntent or invoice, same amount).',
    schema: RetryPaymentInputSchema,
  },
  notify_customer: {
    description: 'Send the customer one templated e-mail about this payment.',
    schema: NotifyCustomerInputSchema,
  },
  escalate_to_human: {
    description: 'Hand the case to the support team in Slack (one thread per case).',
    schema: EscalateToHumanInputSchema,
  },
  no_action: {
    description: 'Do nothing now (for example: wait for the customer to update the card).',
    schema: NoActionInputSchema,
  },
} as const;

export type ToolName = keyof typeof TOOLS;
export const TOOL_NAMES = Object.keys(TOOLS) as ToolName[];

/** One proposed tool call after strict parsing. */
export type ToolCall =
  | { tool: 'retry_payment'; input: RetryPaymentInput }
  | { tool: 'notify_customer'; input: NotifyCustomerInput }
  | { tool: 'escalate_to_human'; input: EscalateToHumanInput }
  | { tool: 'no_action'; input: NoActionInput };

/** Parses an untrusted tool call (name and input) strictly; `undefined` names an unknown tool. */
export function parseToolCall(
  name: string,
  input: unknown,
): { ok: true; call: ToolCall } | { ok: false; error: string } {
  if (!Object.hasOwn(TOOLS, name)) return { ok: false, error: `unknown tool: ${name}` };
  const tool = name as ToolName;
  const parsed = TOOLS[tool].schema.safeParse(input);
  if (!parsed.success) return { ok: false, error: z.prettifyError(parsed.error) };
  return { ok: true, call: { tool, input: parsed.data } as ToolCall };
}

// Job arguments: what the agent writes into a job row and the executor reads back.

export const RetryJobArgsSchema = z.object({
  attempt: z.number().int().min(1),
  paymentIntentId: z.string().optional(),
  invoiceId: z.string().optional(),
  /** The payment method that failed, or the customer's new default after a card update. */
  paymentMethodId: z.string().optional(),
  failureKey: z.string(),
});
export type RetryJobArgs = z.infer<typeof RetryJobArgsSchema>;

export const NotifyJobArgsSchema = z.object({
  template: NoticeTemplateSchema,
  failureKey: z.string(),
});
export type NotifyJobArgs = z.infer<typeof NotifyJobArgsSchema>;

export const EscalateJobArgsSchema = z.object({
  kind: z.enum(['case', 'incident', 'could_not_act']),
  reason: z.string(),
  /** The model's own words, shown labelled as such; absent for rule-based escalations. */
  modelSummary: z.string().optional(),
  urgency: z.enum(['normal', 'high']).default('normal'),
});
export type EscalateJobArgs = z.infer<typeof EscalateJobArgsSchema>;

export const SlackReplyJobArgsSchema = z.object({
  event: z.enum(['recovered', 'closed', 'failed_again', 'note']),
  text: z.string(),
});
export type SlackReplyJobArgs = z.infer<typeof SlackReplyJobArgsSchema>;

/** Job tools: the three actions plus a thread reply under an existing escalation. */
export const JOB_TOOLS = ['retry_payment', 'notify_customer', 'escalate_to_human', 'slack_reply'] as const;
export type JobTool = (typeof JOB_TOOLS)[number];

/** Idempotency keys, derived from the case and what the job is for; stable across crashes. */
export const jobKeys = {
  retry: (caseId: string, attempt: number) => `retry:${caseId}:${attempt}`,
  notify: (caseId: string, failureKey: string, template: NoticeTemplate) =>
    `notify:${caseId}:${failureKey}:${template}`,
  escalate: (caseId: string) => `escalate:${caseId}`,
  reply: (caseId: string, discriminator: string | number) => `reply:${caseId}:${discriminator}`,
};
