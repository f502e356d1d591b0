/**
 * Turns one input (a Stripe event, or a CloudEvent carrying one) into the inbox row that
 * records it: pending when the agent uses its type, ignored for other types and sources,
 * rejected (with the reason) for a well-formed event it cannot use. Pure: no I/O, no clock.
 */
import type { NewInboxRow, Transport } from '../store/inbox.ts';
import { type CloudEventAttributes, type DecodedData, kiteSeqOf } from './cloudevent.ts';
import { digestOf } from './digest.ts';
import { expectedObjectKind } from './event-types.ts';
import { isPlainObject, normalizeStripeEvent, STRIPE_CE_PREFIX, type StripeEvent } from './normalize.ts';

/** One input as a route or reader hands it over. */
export type IngressInput = {
  transport: Transport;
  /** The bytes as received (the request body, or the line). */
  raw: Buffer;
  /** The envelope when the input came as a CloudEvent. */
  ce?: CloudEventAttributes | undefined;
  /** The Stripe part: the CloudEvent's data, or the whole body. */
  payload: DecodedData;
};

/** A row to store (with a warning to log, if any), or a refusal: the input is not an event at all. */
export type Classified =
  | { kind: 'row'; row: NewInboxRow; warning?: string }
  | { kind: 'refuse'; reason: string };

/**
 * Classifies one input. `nowSeconds` dates a synthesised envelope that has no time of its own.
 *
 * @example
 * const c = classifyInput({ transport: 'file', raw, payload: { kind: 'json', value } }, 1_700_000_000);
 */
export function classifyInput(input: IngressInput, nowSeconds: number): Classified {
  const { ce } = input;
  const base = {
    transport: input.transport,
    raw: input.raw,
    kiteId: ce?.id,
    kiteSource: ce?.source,
    kiteSeq: ce ? kiteSeqOf(ce) : undefined,
  };
  if (ce && !ce.type.startsWith(STRIPE_CE_PREFIX)) {
    return row({
      ...base,
      dedupKey: ceKey(ce),
      type: ce.type,
      status: 'ignored',
      reason: `ignored: ${ce.type}`,
    });
  }
  if (input.payload.kind === 'unusable') {
    if (!ce) return { kind: 'refuse', reason: input.payload.reason };
    return row({ ...base, dedupKey: digestOf(input.raw), status: 'rejected', reason: input.payload.reason });
  }
  const value = input.payload.value;
  const reject = (reason: string) =>
    row({
      ...base,
      dedupKey: digestOf(input.raw),
      stripeEventId: isPlainObject(value) && typeof value.id === 'string' ? value.id : undefined,
      type: isPlainObject(value) && typeof value.type === 'string' ? value.type : ce?.type,
      status: 'rejected',
      reason,
    });
  if (!isPlainObject(value)) {
    return ce
      ? reject('CloudEvent data is not a JSON object')
      : { kind: 'refuse', reason: 'body is not a JSON object' };
  }
  if (value.object === 'v2.core.event') return reject('thin events (v2.core.event) are not supported');

  let event: StripeEvent;
  let synthetic = false;
  let warning: string | undefined;
  if (value.object === 'event') {
    const normalized = normalizeStripeEvent(value);
    if (!normalized.ok) return reject(normalized.reason);
    event = normalized.event;
    if (ce && ce.type !== STRIPE_CE_PREFIX + event.type) {
      return reject(`CloudEvent type ${ce.type} does not match event type ${event.type}`);
    }
  } else if (ce) {
    const built = synthesiseEnvelope(ce, value, nowSeconds);
    if (!built.ok) return reject(built.reason);
    event = built.event;
    synthetic = true;
    warning = 'bare Stripe object in CloudEvent data: envelope synthesised';
  } else {
    return { kind: 'refuse', reason: 'not a Stripe event (object is not "event") and not a CloudEvent' };
  }

  const object = event.data.object;
  const facts = {
    ...base,
    stripeEventId: synthetic ? undefined : event.id,
    type: event.type,
    apiVersion: event.api_version ?? undefined,
    livemode: event.livemode ?? undefined,
    stripeCreated: event.created,
    objectId: object.id,
    objectType: object.object,
    event,
  };
  const expected = expectedObjectKind(event.type);
  if (expected === undefined) {
    return row(
      { ...facts, dedupKey: event.id, status: 'ignored', reason: `ignored: ${event.type}` },
      warning,
    );
  }
  if (object.object !== expected) {
    return row(
      {
        ...facts,
        dedupKey: digestOf(input.raw),
        status: 'rejected',
        reason: `${event.type} carries a ${object.object}, expected a ${expected}`,
      },
      warning,
    );
  }
  return row({ ...facts, dedupKey: event.id, status: 'pending' }, warning);
}

/** The dedup key of an input known only by its CloudEvent identity. */
export function ceKey(ce: Pick<CloudEventAttributes, 'source' | 'id'>): string {
  return `ce:${ce.source}:${ce.id}`;
}

/**
 * Builds an event envelope around a bare Stripe object (`{id, object: 'payment_intent', …}`) or
 * around an event's `data` part (`{object: {…}, previous_attributes}`), as some Kite docs show.
 */
function synthesiseEnvelope(
  ce: CloudEventAttributes,
  value: Record<string, unknown>,
  nowSeconds: number,
): { ok: true; event: StripeEvent } | { ok: false; reason: string } {
  const dataPart = isPlainObject(value.object);
  const object = dataPart ? value.object : value;
  const timeMs = ce.time ? Date.parse(ce.time) : Number.NaN;
  const objectCreated =
    isPlainObject(object) && typeof object.created === 'number' ? object.created : undefined;
  const created = Number.isFinite(timeMs) ? Math.floor(timeMs / 1000) : (objectCreated ?? nowSeconds);
  const normalized = normalizeStripeEvent({
    id: ceKey(ce),
    object: 'event',
    type: ce.type.slice(STRIPE_CE_PREFIX.length),
    api_version: null,
    created,
    livemode: isPlainObject(object) && typeof object.livemode === 'boolean' ? object.livemode : null,
    data: dataPart ? { object, previous_attributes: value.previous_attributes ?? null } : { object },
  });
  if (!normalized.ok) return { ok: false, reason: `bare object in CloudEvent data: ${normalized.reason}` };
  return normalized;
}

function row(r: NewInboxRow, warning?: string): Classified {
  return warning ? { kind: 'row', row: r, warning } : { kind: 'row', row: r };
}
