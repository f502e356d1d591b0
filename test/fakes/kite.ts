/**
 * Builds requests the way the Kite CLI sends them, for tests: `kite proxy` (the Stripe event as
 * a compact re-serialised body plus `ce-*` and `x-kite-*` headers), `kite queue replay` (the
 * whole structured CloudEvent as plain `application/json`, no `ce-*`) and structured
 * `application/cloudevents+json`; plus the structured NDJSON line of `kite stream --json` and
 * `kite listen --socket`.
 */
import { randomUUID } from 'node:crypto';

/** The Kite delivery shapes of an HTTP POST. */
export type KiteShape = 'proxy' | 'replay' | 'structured';

export const KITE_SHAPES: readonly KiteShape[] = ['proxy', 'replay', 'structured'];

/** The `source` Kite gives events from a Stripe hook. */
export const KITE_SOURCE = 'https://getkite.sh/hooks/team_test/stripe';

/** Options for a CloudEvent built around `data`. */
export type KiteEventOptions = {
  /** The CloudEvent type; defaults to `com.stripe.<data.type>`. */
  type?: string;
  id?: string;
  source?: string;
  seq?: number;
};

/** The structured CloudEvent Kite builds around a payload. */
export function kiteEnvelope(data: unknown, options: KiteEventOptions = {}): Record<string, unknown> {
  const type = options.type ?? `com.stripe.${(data as { type?: string }).type}`;
  return {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: options.source ?? KITE_SOURCE,
    type,
    time: '2026-11-20T10:00:00.000Z',
    datacontenttype: 'application/json',
    kiteseq: options.seq ?? 1,
    kitesummary: `${type} received`,
    kiteoriginalheaders: JSON.stringify({
      'stripe-signature': 't=1,v1=00',
      'content-type': 'application/json',
    }),
    data,
  };
}

/** The NDJSON line `kite stream --json` prints for a payload. */
export function kiteLine(data: unknown, options: KiteEventOptions = {}): string {
  return JSON.stringify(kiteEnvelope(data, options));
}

/** Headers and body of one Kite POST carrying `data` in the given shape. */
export function kiteRequest(
  shape: KiteShape,
  data: unknown,
  options: KiteEventOptions = {},
): { headers: Record<string, string>; body: string } {
  const envelope = kiteEnvelope(data, options);
  const xKite = {
    'x-kite-source': 'stripe',
    'x-kite-event-id': String(envelope.id),
    'x-kite-event-type': String(envelope.type),
    'x-kite-team-id': 'team_test',
  };
  if (shape === 'proxy') {
    return {
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': String(envelope.id),
        'ce-source': String(envelope.source),
        'ce-type': String(envelope.type),
        'ce-time': '2026-11-20T10:00:00+00:00',
        'stripe-signature': 't=1,v1=0000',
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        ...xKite,
      },
      body: JSON.stringify(data),
    };
  }
  const contentType = shape === 'replay' ? 'application/json' : 'application/cloudevents+json; charset=utf-8';
  return { headers: { 'content-type': contentType, ...xKite }, body: JSON.stringify(envelope) };
}
