/**
 * The text form of the audit document: a header per case, then its timeline in UTC with the
 * details a person needs under each line (a decision's planner, model, prompt hash, proposals
 * with verdicts and rules, rationale; a job's results; a notice's subject; an escalation's
 * message). Everything shown was already masked when the document was built.
 */
import type { AuditCase, AuditDocument, AuditEvent } from './audit-document.ts';
import { describeAction, describeProposal } from './describe-action.ts';

const KIND_WIDTH = 10;
const INDENT = ' '.repeat(2 + 24 + 2 + KIND_WIDTH + 2);

/** A short one-line JSON form of a recorded value, cut at `max` characters. */
export function brief(value: unknown, max = 160): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function short(hash: string): string {
  return hash.slice(0, 12);
}

function indentBlock(text: string, prefix: string): string[] {
  return text
    .trim()
    .split('\n')
    .map((line) => `${INDENT}${prefix}${line}`);
}

function details(c: AuditCase, ref: string): string[] {
  const cut = ref.indexOf(':');
  const kind = cut < 0 ? ref : ref.slice(0, cut);
  const id = cut < 0 ? undefined : ref.slice(cut + 1);
  if (kind === 'decision') {
    const d = c.decisions.find((x) => String(x.id) === id);
    if (!d) return [];
    const who = [
      `planner ${d.planner}`,
      d.model && `model ${d.model}`,
      d.promptHash && `prompt ${short(d.promptHash)}`,
      d.policyHash && `policy ${short(d.policyHash)}`,
      d.latencyMs !== null && `${d.latencyMs} ms`,
    ].filter(Boolean);
    const lines = [`${INDENT}${who.join(', ')}`];
    if (d.fallbackReason) lines.push(`${INDENT}fallback to rules: ${d.fallbackReason}`);
    if (d.usage.inputTokens !== null) {
      lines.push(
        `${INDENT}tokens: ${d.usage.inputTokens} in (${d.usage.cacheReadInputTokens ?? 0} cached), ${d.usage.outputTokens ?? 0} out`,
      );
    }
    for (const p of d.proposals) lines.push(`${INDENT}proposed: ${describeProposal(p)}`);
    lines.push(`${INDENT}final: ${d.actions.map(describeAction).join('; ') || 'no action'}`);
    if (d.rationale) lines.push(...indentBlock(d.rationale, 'rationale: '));
    return lines;
  }
  if (kind === 'job') {
    const j = c.jobs.find((x) => String(x.id) === id);
    if (!j) return [];
    return [
      `${INDENT}state ${j.state}, attempts ${j.attempts}${j.lastError ? `, last error: ${j.lastError}` : ''}`,
    ];
  }
  if (kind === 'job-result') {
    const [jobId, index] = (id ?? '').split(':');
    const r = c.jobs.find((x) => String(x.id) === jobId)?.results[Number(index)];
    return r && r.detail !== null ? [`${INDENT}${brief(r.detail)}`] : [];
  }
  if (kind === 'notice') {
    const n = c.notices[Number(id)];
    if (!n?.subject) return [];
    return [`${INDENT}subject: ${n.subject}`];
  }
  if (kind === 'escalation' && c.escalation?.text) {
    return indentBlock(brief(c.escalation.text, 400), 'message: ');
  }
  return [];
}

function header(c: AuditCase): string[] {
  const facts = [
    c.status + (c.closeReason ? ` (${c.closeReason})` : ''),
    `${c.failureCount} failure${c.failureCount === 1 ? '' : 's'}`,
    c.amount?.display,
    c.livemode ? 'live mode' : 'test mode',
  ].filter(Boolean);
  const ids = [
    c.paymentIntentId && `payment intent ${c.paymentIntentId}`,
    c.invoiceId && `invoice ${c.invoiceId}`,
    c.customerId && `customer ${c.customerId}`,
    c.subscriptionId && `subscription ${c.subscriptionId}`,
  ].filter(Boolean);
  const lines = [`Case ${c.id} (${c.kind}): ${facts.join(', ')}`];
  if (ids.length) lines.push(`  ${ids.join(' · ')}`);
  const aliases = c.aliases.filter((a) => a !== c.id);
  if (aliases.length) lines.push(`  also known as ${aliases.join(', ')}`);
  return lines;
}

function eventLine(e: AuditEvent): string {
  return `  ${e.receivedAt}  ${e.type ?? 'unknown'} ${e.stripeEventId ?? ''} via ${e.transport}: ${e.status}${e.reason ? ` (${e.reason})` : ''}`;
}

/** Renders the document as text for a terminal, ending with a newline. */
export function renderAudit(doc: AuditDocument): string {
  const out: string[] = [];
  for (const c of doc.cases) {
    if (out.length) out.push('');
    out.push(...header(c), '', 'Timeline (UTC):');
    for (const entry of c.timeline) {
      out.push(`  ${entry.at}  ${entry.kind.padEnd(KIND_WIDTH)}  ${entry.summary}`);
      out.push(...details(c, entry.ref));
    }
  }
  if (doc.unlinkedEvents.length) {
    if (out.length) out.push('');
    out.push(`Events about ${doc.query} that belong to no case:`);
    out.push(...doc.unlinkedEvents.map(eventLine));
  }
  return `${out.join('\n')}\n`;
}
