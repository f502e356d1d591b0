/**
 * Case keying: which case an event belongs to. A payment that belongs to an invoice is keyed
 * by the invoice, else by its PaymentIntent (else a bare charge). Basil-era invoices carry no
 * `payment_intent`; the link comes from whatever the event has (`invoice_payment.paid`'s
 * `payment`, an invoice's `payments`, a pre-basil PaymentIntent's or charge's `invoice`) or from
 * live facts, and every id is kept as an alias so one invoice is never counted twice through
 * its PaymentIntent events.
 */
// Limitation: without a Stripe key (no live facts), a basil invoice failure and its PaymentIntent
// failure that carry no link to each other open two cases until an event links them; the
// `invoice_payment.paid` at the end closes both, and a later event with both ids merges them.
import type { CaseKind } from '../store/cases.ts';
import type { EventFacts } from './facts.ts';

export type CaseKey = { id: string; kind: CaseKind; aliases: string[] };

/** Every id in the event that may lead to a case. */
export function caseIds(facts: EventFacts): string[] {
  return unique([facts.invoiceId, facts.paymentIntentId, ...facts.chargeIds]);
}

/** What {@link resolveCases} needs of a case row. */
type CaseLink = {
  id: string;
  payment_intent_id: string | null;
  invoice_id: string | null;
  opened_at: number;
};

/**
 * The cases an event belongs to, found with `find` (ids → cases). The event's own invoice and
 * PaymentIntent ids come first; a charge id leads only to a case that belongs to no other
 * PaymentIntent or invoice, so a charge id that turns up in another payment's event (a reused
 * or forged id) can never close, count against or merge a different payment's case.
 *
 * @example
 * resolveCases(facts, (ids) => findOpenCases(db, ids)); // oldest first
 */
export function resolveCases<C extends CaseLink>(facts: EventFacts, find: (ids: string[]) => C[]): C[] {
  const own = unique([facts.invoiceId, facts.paymentIntentId]);
  const found = own.length > 0 ? find(own) : [];
  const seen = new Set(found.map((c) => c.id));
  const charges = unique(facts.chargeIds.filter((id) => !own.includes(id)));
  const byCharge = charges.length > 0 ? find(charges) : [];
  for (const c of byCharge) {
    if (seen.has(c.id) || belongsElsewhere(c, facts)) continue;
    seen.add(c.id);
    found.push(c);
  }
  return found.sort((a, b) => a.opened_at - b.opened_at);
}

function belongsElsewhere(c: CaseLink, facts: EventFacts): boolean {
  const pi = facts.paymentIntentId;
  const invoice = facts.invoiceId;
  return (
    (c.payment_intent_id !== null && pi !== null && c.payment_intent_id !== pi) ||
    (c.invoice_id !== null && invoice !== null && c.invoice_id !== invoice)
  );
}

/**
 * The key a new case gets from this event, and its aliases.
 *
 * @example
 * caseKeyOf(facts); // { id: 'in_123', kind: 'invoice', aliases: ['in_123', 'pi_123', 'ch_123'] }
 */
export function caseKeyOf(facts: EventFacts): CaseKey | undefined {
  const aliases = caseIds(facts);
  if (facts.invoiceId) return { id: facts.invoiceId, kind: 'invoice', aliases };
  if (facts.paymentIntentId) return { id: facts.paymentIntentId, kind: 'payment_intent', aliases };
  const charge = facts.chargeIds[0];
  if (charge) return { id: charge, kind: 'charge', aliases };
  return undefined;
}

/**
 * The attempt key of a failure: the failed charge; without one, the invoice's attempt number,
 * else the event id (such facts are merged with a charge-bearing one by time, see the worker).
 */
export function attemptKeyOf(facts: EventFacts): string {
  const charge = facts.failure?.chargeId;
  if (charge) return charge;
  if (facts.invoiceId && facts.caseFacts.attemptCount !== undefined) {
    return `${facts.invoiceId}#${facts.caseFacts.attemptCount}`;
  }
  return `event:${facts.eventId}`;
}

/** Ids that must be decided one after the other (events sharing any of them touch one case). */
export function serialIds(facts: EventFacts): string[] {
  return unique([...caseIds(facts), facts.customerId]);
}

function unique(ids: (string | null | undefined)[]): string[] {
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && id.length > 0))];
}
