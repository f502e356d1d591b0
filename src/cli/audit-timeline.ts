/**
 * The audit timeline: every recorded fact of a case (opened, events, failures, decisions, jobs
 * and their results, notices, the escalation, closed) as one line each, in time order. Lines
 * carry a `ref` so the text form can print each one's details underneath.
 */
import type { AuditCase, TimelineEntry } from './audit-document.ts';
import { describeAction } from './describe-action.ts';

/** Every recorded fact of a case as one line, in time order (stable for equal times). */
export function buildTimeline(c: Omit<AuditCase, 'timeline'>): TimelineEntry[] {
  const out: TimelineEntry[] = [
    { at: c.openedAt, kind: 'case', ref: 'case', summary: `case ${c.id} opened (${c.kind})` },
  ];
  for (const e of c.events) {
    const dup = e.deliveries > 1 ? `, delivered ${e.deliveries} times` : '';
    const why = e.reason ? `: ${e.reason}` : '';
    out.push({
      at: e.receivedAt,
      kind: 'event',
      ref: `event:${e.inboxId}`,
      summary: `received ${e.type ?? 'unknown type'} ${e.stripeEventId ?? ''} via ${e.transport} (${e.status}${why}${dup})`,
    });
  }
  for (const f of c.failures) {
    const codes = [f.code, f.declineCode].filter(Boolean).join('/') || 'no decline code';
    const charge = f.chargeId ? ` on ${f.chargeId}` : '';
    out.push({
      at: f.occurredAt,
      kind: 'failure',
      ref: `failure:${f.attemptKey}`,
      summary: `payment failed${charge}: ${codes} (${f.source})`,
    });
  }
  for (const d of c.decisions) {
    const by = d.model ? `${d.planner} (${d.model})` : d.planner;
    const acts = d.actions.map(describeAction).join('; ') || 'no action';
    out.push({
      at: d.at,
      kind: 'decision',
      ref: `decision:${d.id}`,
      summary: `decision #${d.id} by ${by} on ${d.trigger}: ${acts}`,
    });
  }
  for (const j of c.jobs) {
    out.push({
      at: j.createdAt,
      kind: 'job',
      ref: `job:${j.id}`,
      summary: `job #${j.id} ${j.tool} scheduled for ${j.dueAt}`,
    });
    for (const [index, r] of j.results.entries()) {
      out.push({
        at: r.at,
        kind: 'job',
        ref: `job-result:${j.id}:${index}`,
        summary: `job #${j.id} ${j.tool}: ${r.outcome}`,
      });
    }
    if (j.results.length === 0 && j.finishedAt && j.state !== 'pending') {
      out.push({
        at: j.finishedAt,
        kind: 'job',
        ref: `job:${j.id}`,
        summary: `job #${j.id} ${j.tool}: ${j.state}`,
      });
    }
  }
  for (const [index, n] of c.notices.entries()) {
    const to = n.recipient ? ` to ${n.recipient}` : '';
    out.push({
      at: n.sentAt ?? n.createdAt,
      kind: 'notice',
      ref: `notice:${index}`,
      summary: `notice ${n.template}${to}: ${n.status}`,
    });
  }
  if (c.escalation) {
    const e = c.escalation;
    const where = (e.channel ? ` in ${e.channel}` : '') + (e.ts ? ` (message ts ${e.ts})` : '');
    const err = e.error ? ` (error: ${e.error})` : '';
    out.push({
      at: e.updatedAt,
      kind: 'escalation',
      ref: 'escalation',
      summary: `escalation (${e.kind}) ${e.status}${where}${err}`,
    });
  }
  if (c.closedAt) {
    out.push({
      at: c.closedAt,
      kind: 'case',
      ref: 'case',
      summary: `case closed${c.closeReason ? `: ${c.closeReason}` : ''}`,
    });
  }
  return out
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.at.localeCompare(b.entry.at) || a.index - b.index)
    .map((x) => x.entry);
}
