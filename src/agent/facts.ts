/**
 * Reads the facts the agent needs from one Stripe event, leniently: old and new API versions,
 * optional fields null or missing, `customer` null, missing, an id or an expanded object. The
 * failed charge is `last_payment_error.charge`, else `latest_charge`, else `charges.data[0]`
 * (else the invoice's `charge`), and the facts say which was used.
 */
import { isCurrencyCode, isStripeAmount } from '../money.ts';
import { MALFORMED_CODE_PREFIX } from './declines.ts';
import type { CaseFacts } from '../store/case-facts.ts';

type Obj = Record<string, unknown>;

export type FailureFacts = {
  chargeId: string | null;
  chargeSource: string;
  paymentMethodId: string | null;
  cardFingerprint: string | null;
  cardBrand: string | null;
  code: string | null;
  declineCode: string | null;
  adviceCode: string | null;
  networkAdviceCode: string | null;
  networkDeclineCode: string | null;
  outcomeType: string | null;
  outcomeReason: string | null;
  outcomeNetworkStatus: string | null;
  /** When the attempt failed (UTC ms): the charge's `created`, else the event's. */
  occurredAt: number;
};

export type EventFacts = {
  eventId: string;
  type: string;
  /** Stripe `created`, in seconds. */
  created: number | null;
  livemode: boolean;
  apiVersion: string | null;
  objectType: string | null;
  objectId: string | null;
  paymentIntentId: string | null;
  invoiceId: string | null;
  chargeIds: string[];
  customerId: string | null;
  subscriptionId: string | null;
  amount: number | null;
  currency: string | null;
  /** For an invoice: `amount_paid` (a $0 invoice paid is not a recovery). */
  amountPaid: number | null;
  status: string | null;
  failure: FailureFacts | null;
  /** Facts kept for the executors (contact details never reach the planner). */
  caseFacts: CaseFacts;
  /** `previous_attributes` of the event (card updates are read from it). */
  previous: Obj | null;
  untrusted: { metadata: Record<string, string>; description: string | null };
};

const FAILURE_TYPES = new Set([
  'payment_intent.payment_failed',
  'charge.failed',
  'invoice.payment_failed',
  'invoice.payment_action_required',
  'payment_intent.requires_action',
]);

/** Whether this event type reports a failed payment attempt. */
export function isFailureType(type: string): boolean {
  return FAILURE_TYPES.has(type);
}

/**
 * Reads one normalised Stripe event.
 *
 * @example
 * readEventFacts(event).failure?.chargeSource; // 'last_payment_error.charge'
 */
export function readEventFacts(event: unknown): EventFacts {
  const e = obj(event) ?? {};
  const data = obj(e.data) ?? {};
  const o = obj(data.object) ?? {};
  const type = str(e.type) ?? '';
  const created = num(e.created);
  const objectType = str(o.object);
  const base: EventFacts = {
    eventId: str(e.id) ?? '',
    type,
    created,
    livemode: e.livemode === true || o.livemode === true,
    apiVersion: str(e.api_version),
    objectType,
    objectId: str(o.id),
    paymentIntentId: null,
    invoiceId: null,
    chargeIds: [],
    customerId: idOf(o.customer),
    subscriptionId: null,
    amount: null,
    currency: currencyOf(o.currency),
    amountPaid: null,
    status: str(o.status),
    failure: null,
    caseFacts: {},
    previous: obj(data.previous_attributes),
    untrusted: { metadata: stringRecord(o.metadata), description: str(o.description) },
  };
  // The event's own livemode wins: a copied live object inside a test event is still a test event.
  if (typeof e.livemode === 'boolean') base.livemode = e.livemode;
  const eventMs = created === null ? 0 : created * 1000;
  if (objectType === 'payment_intent') readPaymentIntent(o, base, eventMs);
  else if (objectType === 'charge') readCharge(o, base, eventMs);
  else if (objectType === 'invoice') readInvoice(o, base, eventMs);
  else if (objectType === 'invoice_payment') readInvoicePayment(o, base);
  else if (objectType === 'dispute') {
    base.paymentIntentId = idOf(o.payment_intent);
    pushId(base.chargeIds, idOf(o.charge));
    base.amount = amountOf(o.amount);
  } else if (objectType === 'customer') base.customerId = str(o.id);
  else if (objectType === 'payment_method' || objectType === 'card') base.customerId = idOf(o.customer);
  if (!isFailureType(type)) base.failure = null;
  return base;
}

function readPaymentIntent(o: Obj, f: EventFacts, eventMs: number): void {
  f.paymentIntentId = str(o.id);
  f.invoiceId = idOf(o.invoice);
  f.amount = amountOf(o.amount);
  const lpe = obj(o.last_payment_error);
  const charges = arr(obj(o.charges)?.data)
    .map(obj)
    .filter((c): c is Obj => c !== null);
  const latest = o.latest_charge;
  let chargeId: string | null = null;
  let chargeSource = 'none';
  if (lpe && str(lpe.charge)) [chargeId, chargeSource] = [str(lpe.charge), 'last_payment_error.charge'];
  else if (idOf(latest)) [chargeId, chargeSource] = [idOf(latest), 'latest_charge'];
  else if (charges[0] && str(charges[0].id))
    [chargeId, chargeSource] = [str(charges[0].id), 'charges.data[0]'];
  const charge =
    charges.find((c) => c.id === chargeId) ?? (obj(latest)?.id === chargeId ? obj(latest) : null);
  for (const c of charges) pushId(f.chargeIds, str(c.id));
  pushId(f.chargeIds, chargeId);
  if (charge) f.invoiceId ??= idOf(charge.invoice);
  const pm = obj(lpe?.payment_method);
  f.caseFacts.receiptEmail = str(o.receipt_email) ?? undefined;
  const failedPm = idOf(lpe?.payment_method) ?? idOf(charge?.payment_method) ?? idOf(o.payment_method);
  if (failedPm) f.caseFacts.failedPaymentMethodId = failedPm;
  const billingEmail = str(obj(charge?.billing_details)?.email) ?? str(obj(pm?.billing_details)?.email);
  if (billingEmail) f.caseFacts.billingEmail = billingEmail;
  customerEmail(o.customer, f);
  const card = obj(pm?.card) ?? obj(obj(charge?.payment_method_details)?.card);
  f.failure = {
    ...failureFromCharge(charge, eventMs),
    chargeId,
    chargeSource,
    paymentMethodId: failedPm,
    cardFingerprint: str(card?.fingerprint),
    cardBrand: str(card?.brand) ?? str(card?.network),
    code: codeOf(lpe?.code) ?? codeOf(charge?.failure_code),
    declineCode: codeOf(lpe?.decline_code) ?? declineFromOutcome(charge),
    adviceCode: codeOf(lpe?.advice_code) ?? codeOf(obj(charge?.outcome)?.advice_code),
    networkAdviceCode: codeOf(lpe?.network_advice_code) ?? codeOf(obj(charge?.outcome)?.network_advice_code),
    networkDeclineCode:
      codeOf(lpe?.network_decline_code) ?? codeOf(obj(charge?.outcome)?.network_decline_code),
  };
}

function readCharge(o: Obj, f: EventFacts, eventMs: number): void {
  f.paymentIntentId = idOf(o.payment_intent);
  f.invoiceId = idOf(o.invoice);
  f.amount = amountOf(o.amount);
  pushId(f.chargeIds, str(o.id));
  const card = obj(obj(o.payment_method_details)?.card) ?? obj(o.card);
  const pm = idOf(o.payment_method);
  if (pm) f.caseFacts.failedPaymentMethodId = pm;
  const billingEmail = str(obj(o.billing_details)?.email);
  if (billingEmail) f.caseFacts.billingEmail = billingEmail;
  if (str(o.receipt_email)) f.caseFacts.receiptEmail = str(o.receipt_email)!;
  customerEmail(o.customer, f);
  const outcome = obj(o.outcome);
  f.failure = {
    ...failureFromCharge(o, eventMs),
    chargeId: str(o.id),
    chargeSource: 'charge',
    paymentMethodId: pm,
    cardFingerprint: str(card?.fingerprint),
    cardBrand: str(card?.brand) ?? str(card?.network),
    code: codeOf(o.failure_code),
    declineCode: declineFromOutcome(o),
    adviceCode: codeOf(outcome?.advice_code),
    networkAdviceCode: codeOf(outcome?.network_advice_code),
    networkDeclineCode: codeOf(outcome?.network_decline_code),
  };
}

function readInvoice(o: Obj, f: EventFacts, eventMs: number): void {
  f.invoiceId = str(o.id);
  f.paymentIntentId = idOf(o.payment_intent);
  const payments = arr(obj(o.payments)?.data).map((p) => obj(obj(p)?.payment));
  f.paymentIntentId ??= payments.map((p) => idOf(p?.payment_intent)).find(Boolean) ?? null;
  const chargeId = idOf(o.charge) ?? payments.map((p) => idOf(p?.charge)).find(Boolean) ?? null;
  pushId(f.chargeIds, chargeId);
  f.subscriptionId = idOf(o.subscription) ?? idOf(obj(obj(o.parent)?.subscription_details)?.subscription);
  f.amount = amountOf(o.amount_remaining) ?? amountOf(o.amount_due);
  f.amountPaid = amountOf(o.amount_paid);
  if (str(o.hosted_invoice_url)) f.caseFacts.hostedInvoiceUrl = str(o.hosted_invoice_url)!;
  if (str(o.customer_email)) f.caseFacts.customerEmail = str(o.customer_email)!;
  f.caseFacts.nextPaymentAttempt = num(o.next_payment_attempt);
  const attempts = num(o.attempt_count);
  if (attempts !== null) f.caseFacts.attemptCount = attempts;
  const charge = obj(o.charge);
  f.failure = {
    ...failureFromCharge(charge, eventMs),
    chargeId,
    chargeSource: chargeId ? 'invoice.charge' : 'none',
    paymentMethodId: null,
    cardFingerprint: null,
    cardBrand: null,
    code:
      f.type === 'invoice.payment_action_required' ? 'authentication_required' : codeOf(charge?.failure_code),
    declineCode: declineFromOutcome(charge),
    adviceCode: null,
    networkAdviceCode: null,
    networkDeclineCode: null,
  };
}

function readInvoicePayment(o: Obj, f: EventFacts): void {
  f.invoiceId = idOf(o.invoice);
  const payment = obj(o.payment);
  f.paymentIntentId = idOf(payment?.payment_intent);
  pushId(f.chargeIds, idOf(payment?.charge));
  f.amount = amountOf(o.amount_requested);
  f.amountPaid = amountOf(o.amount_paid);
}

function failureFromCharge(charge: Obj | null, eventMs: number) {
  const outcome = obj(charge?.outcome);
  const created = num(charge?.created);
  return {
    outcomeType: str(outcome?.type),
    outcomeReason: str(outcome?.reason),
    outcomeNetworkStatus: str(outcome?.network_status),
    occurredAt: created !== null ? created * 1000 : eventMs,
  };
}

function declineFromOutcome(charge: Obj | null): string | null {
  const outcome = obj(charge?.outcome);
  const reason = codeOf(outcome?.reason);
  // Radar and Stripe block reasons are read as outcome fields, not as issuer decline codes.
  return reason && str(outcome?.type) === 'issuer_declined' ? reason : null;
}

function customerEmail(customer: unknown, f: EventFacts): void {
  const email = str(obj(customer)?.email);
  if (email) f.caseFacts.customerEmail = email;
}

function pushId(list: string[], id: string | null): void {
  if (id && !list.includes(id)) list.push(id);
}

/**
 * A decline code: a string, or null when the field is missing, null or empty. A value of any
 * other type (a number, an object) is kept as a `malformed:` marker, which the classifier reads
 * as an unknown decline, never as "no decline details".
 */
function codeOf(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string') return value;
  return `${MALFORMED_CODE_PREFIX}${Array.isArray(value) ? 'array' : typeof value}`;
}

/** An id from a field that may be a string, an expanded object, null or missing. */
export function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  return str(obj(value)?.id);
}

function obj(value: unknown): Obj | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : null;
}
function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}
function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
/** Stripe's own ceiling on metadata keys; anything past it is not read. */
const MAX_METADATA_KEYS = 50;

/**
 * An amount as Stripe sends it (a non-negative safe integer in the minor unit); anything else
 * (negative, fractional, huge, a string) is unknown, so no notice or audit line shows a wrong sum.
 */
function amountOf(value: unknown): number | null {
  return isStripeAmount(value) ? value : null;
}

/** A currency code (upper case is read as lower case); a number, placeholder or unknown code is null. */
function currencyOf(value: unknown): string | null {
  const code = typeof value === 'string' ? value.toLowerCase() : null;
  return isCurrencyCode(code) ? code : null;
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const o = obj(value) ?? {};
  let taken = 0;
  for (const k in o) {
    if (taken >= MAX_METADATA_KEYS) break;
    const v = o[k];
    if (!Object.hasOwn(o, k) || typeof v !== 'string') continue;
    out[k] = v;
    taken++;
  }
  return out;
}
