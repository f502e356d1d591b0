/**
 * The demo's closing story: per payment, what happened and when (seconds since the demo
 * started), with each customer notice's text and the escalation message, read from the audit
 * document of the database the daemon wrote. Addresses are masked as in `audit`.
 */
import type { AuditCase, AuditDocument } from '../cli/audit-document.ts';
import { describeAction } from '../cli/describe-action.ts';
import { maskEmails } from '../cli/mask.ts';
import { PLANNER_TRIGGERS } from '../cli/replay-decider.ts';
import type { SlackMessage } from '../fakes/fake-slack.ts';
import type { CaughtMail } from '../fakes/smtp-catcher.ts';
import type { DemoPayment } from './scenario.ts';

/** What the stand-ins received, to show that the messages really went out. */
export type Delivered = { mails: CaughtMail[]; slack: SlackMessage[] };

/** Slack mrkdwn as plain text: `<url|label>` becomes `label`, `*bold*` loses its stars. */
function plain(mrkdwn: string): string {
  return mrkdwn
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<([^>]+)>/g, '$1')
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1');
}

/** The readable text of a Block Kit message: section texts and fields, context elements. */
export function blocksText(blocks: unknown[] | undefined): string {
  const lines: string[] = [];
  const textOf = (v: unknown) =>
    typeof v === 'string' ? v : ((v as { text?: unknown })?.text as string | undefined);
  for (const block of blocks ?? []) {
    const b = block as { text?: unknown; fields?: unknown[]; elements?: unknown[] };
    const main = textOf(b.text);
    if (main) lines.push(plain(main));
    for (const f of b.fields ?? []) if (textOf(f)) lines.push(plain(textOf(f)!).replace(/\n+/g, ': '));
    for (const e of b.elements ?? []) if (typeof textOf(e) === 'string') lines.push(plain(textOf(e)!));
  }
  return lines.join('\n');
}

const since = (startMs: number, iso: string) =>
  `+${((Date.parse(iso) - startMs) / 1000).toFixed(1)}s`.padStart(7);

function indent(text: string, prefix = '           | '): string[] {
  return text
    .trim()
    .split('\n')
    .map((line) => `${prefix}${line}`.trimEnd());
}

/** Retry results are at most this far from the decline event they fed back. */
const FEEDBACK_WINDOW_MS = 2000;

/** The first of `times` at or after `ms`, else `ms`. */
const firstFrom = (times: number[], ms: number) =>
  times.filter((t) => t >= ms).sort((a, b) => a - b)[0] ?? ms;

function caseLines(c: AuditCase, startMs: number, delivered: Delivered): string[] {
  // Each line is placed at the time we learned it: a retry's result comes before the decline it
  // fed back, and a failure is counted after the event or retry that reported it (`rank`).
  const entries: { atMs: number; rank: number; lines: string[] }[] = [];
  const at = (iso: string, text: string, details: string[] = [], atMs = Date.parse(iso), rank = 0) =>
    entries.push({ atMs, rank, lines: [`  ${since(startMs, iso)}  ${text}`, ...details] });
  const fedBack = c.events.filter((e) => e.transport === 'internal').map((e) => Date.parse(e.receivedAt));
  const fromStripe = c.events.filter((e) => e.transport !== 'internal').map((e) => Date.parse(e.receivedAt));
  const retryTimes: number[] = [];
  for (const j of c.jobs.filter((x) => x.tool === 'retry_payment')) {
    const attempt = (j.args as { attempt?: number } | null)?.attempt;
    for (const r of j.results) {
      const ms = Date.parse(r.at);
      const near = fedBack.filter((t) => Math.abs(t - ms) <= FEEDBACK_WINDOW_MS);
      const learned = Math.min(ms, ...near);
      retryTimes.push(learned);
      const text = `Stripe retry ${attempt ?? ''}: ${r.outcome}`.replace('  ', ' ');
      at(new Date(learned).toISOString(), text, [], learned, 0);
    }
  }
  for (const e of c.events) {
    const status = e.reason ? `${e.status}: ${e.reason}` : e.status;
    const internal = e.transport === 'internal';
    const what = internal
      ? `our retry's decline fed back to the agent as ${e.type}`
      : `Stripe event ${e.type} received through ${e.transport}`;
    at(e.receivedAt, `${what} (${status})`, [], Date.parse(e.receivedAt), internal ? 1 : 0);
  }
  for (const [index, f] of c.failures.entries()) {
    const codes = [f.code, f.declineCode].filter(Boolean).join(' / ');
    const retry = f.source === 'retry';
    const where = retry ? 'declined on our retry' : 'reported by Stripe';
    const occurred = Date.parse(f.occurredAt);
    const learned = firstFrom(retry ? [...fedBack, ...retryTimes] : fromStripe, occurred);
    at(new Date(learned).toISOString(), `failure ${index + 1} counted: ${codes} (${where})`, [], learned, 2);
  }
  for (const d of c.decisions) {
    const acts = d.actions.map(describeAction).join(' + ') || 'no action';
    const by = PLANNER_TRIGGERS.has(d.trigger)
      ? `decided by the ${d.planner} planner`
      : `decided by code on ${d.trigger}, not by a planner`;
    at(d.at, `${by}: ${acts}`, [], Date.parse(d.at), 3);
  }
  for (const n of c.notices) {
    const mail = delivered.mails.find((m) => m.subject === n.subject);
    const to = mail?.to[0] ? maskEmails(mail.to[0]) : (n.recipient ?? 'the customer');
    const text = mail?.text ?? n.bodyText ?? '';
    const details = [...(n.subject ? indent(`Subject: ${n.subject}`) : []), ...indent(maskEmails(text))];
    at(n.sentAt ?? n.createdAt, `e-mail "${n.template}" to ${to}: ${n.status}`, details);
  }
  if (c.escalation) {
    const e = c.escalation;
    const message = delivered.slack.find((m) => !m.thread_ts && (m.text ?? '').includes(c.id));
    const text = message ? blocksText(message.blocks) || (message.text ?? '') : (e.text ?? '');
    const where = e.channel ? ` in Slack channel ${e.channel}` : '';
    at(e.updatedAt, `escalation ${e.status}${where}`, text ? indent(maskEmails(text)) : []);
  }
  if (c.closedAt) at(c.closedAt, `case closed${c.closeReason ? `: ${c.closeReason}` : ''}`);
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((x, y) => x.entry.atMs - y.entry.atMs || x.entry.rank - y.entry.rank || x.index - y.index)
    .flatMap((x) => x.entry.lines);
}

/** The closing story for every demo payment. */
export function renderDemoReport(
  payments: readonly DemoPayment[],
  doc: AuditDocument,
  startMs: number,
  delivered: Delivered,
): string {
  const out: string[] = [];
  for (const p of payments) {
    const c = doc.cases.find((x) => x.id === p.id || x.paymentIntentId === p.id);
    out.push('', `${p.id}: ${c?.amount?.display ?? p.amount} — ${p.card}`, `  expected: ${p.expect}`);
    if (!c) {
      out.push('  (no case was opened)');
      continue;
    }
    out.push(...caseLines(c, startMs, delivered));
  }
  return `${out.join('\n')}\n`;
}
