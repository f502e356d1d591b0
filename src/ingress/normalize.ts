/**
 * The lenient zod schemas every input is normalised through: a Stripe snapshot event (old and
 * new API versions alike; unknown fields pass through, optional fields may be null or missing)
 * and a structured CloudEvent envelope as Kite writes it. Nothing here touches I/O.
 */
import { z } from 'zod';

/** The `data.object` of a Stripe event: only `object` is required; every other field passes through. */
export const StripeObjectSchema = z.looseObject({
  id: z.string().min(1).optional(),
  object: z.string().min(1),
});

/**
 * A Stripe snapshot event, as delivered by any API version since 2012. `api_version` is absent
 * before 2014; `request` was a bare string id before 2017-05-25.
 */
export const StripeEventSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal('event'),
  type: z.string().min(1),
  api_version: z.string().nullish(),
  created: z.number().int().nonnegative(),
  livemode: z.boolean().nullish(),
  pending_webhooks: z.number().nullish(),
  account: z.string().nullish(),
  request: z
    .union([z.string(), z.looseObject({ id: z.string().nullish(), idempotency_key: z.string().nullish() })])
    .nullish(),
  data: z.looseObject({
    object: StripeObjectSchema,
    previous_attributes: z.record(z.string(), z.unknown()).nullish(),
  }),
});

export type StripeEvent = z.infer<typeof StripeEventSchema>;

/** A structured CloudEvents 1.0 envelope; Kite's extensions (`kiteseq`, …) are optional. */
export const CloudEventSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  time: z.string().nullish(),
  datacontenttype: z.string().nullish(),
  kiteseq: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]).nullish(),
  data: z.unknown().optional(),
  data_base64: z.string().optional(),
});

export type CloudEvent = z.infer<typeof CloudEventSchema>;

/** The CloudEvent type prefix Kite gives Stripe events. */
export const STRIPE_CE_PREFIX = 'com.stripe.';

/** Result of {@link normalizeStripeEvent}. */
export type Normalized = { ok: true; event: StripeEvent } | { ok: false; reason: string };

/**
 * Validates a value claimed to be a Stripe event; on failure the reason names the first
 * offending fields.
 *
 * @example
 * const n = normalizeStripeEvent(JSON.parse(body));
 * if (n.ok) console.log(n.event.type);
 */
export function normalizeStripeEvent(value: unknown): Normalized {
  const parsed = StripeEventSchema.safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data };
  return { ok: false, reason: `invalid Stripe event: ${describeIssues(parsed.error)}` };
}

/** Short text naming up to three zod issues with their paths. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/** True for a plain JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
