/**
 * CloudEvents 1.0 as Kite produces them. Binary-like mode (`kite proxy`): attributes in `ce-*`
 * headers, percent-encoded, names case-insensitive, the body is the data. Structured mode: the
 * whole envelope is the JSON body, which `kite queue replay` sends as plain `application/json`,
 * so the mode is recognised from the body as well as from the content type.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { type CloudEvent, CloudEventSchema, describeIssues, isPlainObject } from './normalize.ts';

/** The envelope attributes of a CloudEvent the ingress uses (its data and other extensions aside). */
export type CloudEventAttributes = {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time?: string | null | undefined;
  kiteseq?: number | null | undefined;
};

/** What a CloudEvent's data turned out to be. */
export type DecodedData = { kind: 'json'; value: unknown } | { kind: 'unusable'; reason: string };

/** True when the request carries binary-mode CloudEvent headers. */
export function hasBinaryHeaders(headers: IncomingHttpHeaders): boolean {
  return headers['ce-specversion'] !== undefined || headers['ce-id'] !== undefined;
}

/**
 * Reads the `ce-*` headers into envelope attributes (extensions included), or explains why
 * they do not form a CloudEvent.
 *
 * @example
 * const attrs = readBinaryAttributes(req.headers);
 * if (attrs.ok) console.log(attrs.attributes.type);
 */
export function readBinaryAttributes(
  headers: IncomingHttpHeaders,
): { ok: true; attributes: CloudEventAttributes } | { ok: false; reason: string } {
  const raw: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('ce-') || value === undefined) continue;
    raw[name.slice(3)] = percentDecode(Array.isArray(value) ? value.join(',') : value);
  }
  const parsed = CloudEventSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: `invalid ce-* headers: ${describeIssues(parsed.error)}` };
  return { ok: true, attributes: attributesOf(parsed.data) };
}

/** The attributes of a parsed envelope. */
export function attributesOf(event: CloudEvent): CloudEventAttributes {
  const { specversion, id, source, type, time, kiteseq } = event;
  return { specversion, id, source, type, time, kiteseq };
}

/** True when a parsed body looks like a structured CloudEvent (it names a `specversion`). */
export function isStructuredEnvelope(body: unknown): body is Record<string, unknown> {
  return isPlainObject(body) && 'specversion' in body;
}

/** Validates a structured envelope; the reason names the bad attributes. */
export function parseStructured(
  body: unknown,
): { ok: true; event: CloudEvent } | { ok: false; reason: string } {
  const parsed = CloudEventSchema.safeParse(body);
  if (parsed.success) return { ok: true, event: parsed.data };
  return { ok: false, reason: `invalid CloudEvent: ${describeIssues(parsed.error)}` };
}

/**
 * Decodes a structured envelope's data: a JSON value, a JSON document in a string (some Kite
 * paths pass the payload as text), or `data_base64`.
 */
export function decodeStructuredData(event: CloudEvent): DecodedData {
  if (event.data_base64 !== undefined) {
    return parseJsonText(Buffer.from(event.data_base64, 'base64').toString('utf8'), 'data_base64');
  }
  if (event.data === undefined || event.data === null)
    return { kind: 'unusable', reason: 'CloudEvent has no data' };
  if (typeof event.data === 'string') return parseJsonText(event.data, 'data');
  return { kind: 'json', value: event.data };
}

/** Parses JSON text, naming `what` in the reason when it is not JSON. */
export function parseJsonText(text: string, what: string): DecodedData {
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch {
    return { kind: 'unusable', reason: `${what} is not JSON` };
  }
}

/** The Kite sequence number, when the envelope has one. */
export function kiteSeqOf(attributes: CloudEventAttributes): number | undefined {
  return typeof attributes.kiteseq === 'number' ? attributes.kiteseq : undefined;
}

function percentDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
