/**
 * The Slack message for an escalation, in Block Kit: who and what (customer and payment ids
 * linked to the Stripe dashboard, test or live), the amount as people read it, every failure with
 * its decline code and time, what the agent did, the rule's reason, and the model's own words
 * set apart and labelled as such. Text from outside (the model) is escaped so it cannot ping
 * channels or forge links.
 */
import type { CaseView, FailureView } from '../store/case-read.ts';
import type { JobRow } from '../store/jobs.ts';
import type { NoticeRow } from '../store/notices.ts';
import { formatAmount, isCurrencyCode, isStripeAmount } from '../money.ts';
import type { EscalateJobArgs } from './schemas.ts';

export type Block = Record<string, unknown>;

export type EscalationFacts = {
  caseId: string;
  view: CaseView | undefined;
  failures: FailureView[];
  jobs: JobRow[];
  notices: NoticeRow[];
  args: EscalateJobArgs;
};

const MAX_LISTED = 10;

/** Stripe dashboard link for an object id (`cus_`, `pi_`, `in_`, `ch_`), test or live. */
export function dashboardUrl(id: string, livemode: boolean): string {
  const base = `https://dashboard.stripe.com/${livemode ? '' : 'test/'}`;
  if (id.startsWith('cus_')) return `${base}customers/${id}`;
  if (id.startsWith('in_')) return `${base}invoices/${id}`;
  if (id.startsWith('sub_')) return `${base}subscriptions/${id}`;
  return `${base}payments/${id}`;
}

/** Builds the fallback text and the blocks of a case's escalation. */
export function escalationMessage(facts: EscalationFacts): { text: string; blocks: Block[] } {
  const { view, args } = facts;
  const live = view?.livemode ?? false;
  const amount =
    isStripeAmount(view?.amount) && isCurrencyCode(view?.currency)
      ? formatAmount(view.amount, view.currency)
      : 'unknown amount';
  const title =
    args.kind === 'could_not_act'
      ? `The agent could not act on a failing payment (${amount})`
      : args.kind === 'incident'
        ? 'Payment failures incident'
        : `Failing payment needs a person (${amount})`;
  const link = (id: string | null | undefined) => (id ? `<${dashboardUrl(id, live)}|${id}>` : '—');
  const fields = [
    `*Customer*\n${link(view?.customerId)}`,
    `*Payment*\n${link(view?.paymentIntentId ?? (view?.kind === 'payment_intent' ? facts.caseId : undefined))}`,
    `*Invoice*\n${link(view?.invoiceId)}`,
    `*Amount*\n${amount}${live ? '' : ' (test mode)'}`,
    `*Failures*\n${view?.failureCount ?? facts.failures.length}`,
    `*Urgency*\n${args.urgency}`,
  ];
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
    section(`*Failures*\n${listOrNone(facts.failures.map(failureLine))}`),
    section(
      `*What the agent did*\n${listOrNone([...facts.jobs.map(jobLine), ...facts.notices.map(noticeLine)])}`,
    ),
    section(`*Why this escalation (rule)*\n${escapeMrkdwn(args.reason)}`),
  ];
  if (args.modelSummary) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '*The model wrote (its own words, not checked by code):*' }],
    });
    blocks.push(section(`> ${escapeMrkdwn(args.modelSummary).replaceAll('\n', '\n> ')}`));
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `case \`${escapeMrkdwn(facts.caseId)}\`` }],
  });
  return { text: `${title}: case ${facts.caseId}`, blocks };
}

/** Escapes the three characters Slack mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } };
}

function listOrNone(lines: string[]): string {
  if (lines.length === 0) return '_none_';
  const shown = lines.slice(-MAX_LISTED);
  const more = lines.length - shown.length;
  return (more > 0 ? [`… ${more} earlier`, ...shown] : shown).map((l) => `• ${l}`).join('\n');
}

function failureLine(f: FailureView): string {
  const codes = [f.code, f.declineCode].filter(Boolean).join(' / ') || 'no code';
  const charge = f.chargeId ? ` · charge \`${f.chargeId}\`` : '';
  return `${iso(f.occurredAt)} — \`${codes}\` (${f.source})${charge}`;
}

function jobLine(j: JobRow): string {
  const what = j.tool.replaceAll('_', ' ');
  return `${what} · ${j.state} · due ${iso(j.due_at)}${j.last_error ? ` · ${escapeMrkdwn(j.last_error)}` : ''}`;
}

function noticeLine(n: NoticeRow): string {
  return `notice \`${n.template}\` · ${n.status}${n.sent_at ? ` · ${iso(n.sent_at)}` : ''}`;
}

function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
