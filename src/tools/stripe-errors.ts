/**
 * How a failed Stripe call is read by the executors: a card decline is a fact about the payment
 * (not a job failure); rate limits, 5xx, timeouts and lost connections are transient (the next
 * attempt repeats the same idempotency key); bad requests, bad keys and idempotency conflicts
 * are permanent. Compared by the error's `type`, not its message (the SDK prefixes messages with
 * the request id).
 */
import { type JobError, permanent, transient } from './job-outcome.ts';

/** The fields of a Stripe SDK error the executors read. */
export type StripeErrorLike = {
  type?: string;
  statusCode?: number;
  code?: string;
  decline_code?: string;
  charge?: string;
  message?: string;
  requestId?: string;
  payment_intent?: { id: string } & Record<string, unknown>;
  payment_method?: { id: string } & Record<string, unknown>;
  raw?: unknown;
  headers?: Record<string, string>;
};

const TRANSIENT_TYPES = new Set(['StripeRateLimitError', 'StripeAPIError', 'StripeConnectionError']);

/** True for a decline or authentication failure returned by a confirm or pay call. */
export function isCardError(err: unknown): err is StripeErrorLike {
  return (err as StripeErrorLike | null)?.type === 'StripeCardError';
}

/** Turns any non-card Stripe error (or other thrown value) into a job failure. */
export function stripeJobError(err: unknown, what: string): JobError {
  const e = (err ?? {}) as StripeErrorLike;
  const status = e.statusCode;
  const detail = `${what}: ${e.type ?? 'error'}${status ? ` ${status}` : ''}${e.code ? ` ${e.code}` : ''}`;
  if (
    (e.type && TRANSIENT_TYPES.has(e.type)) ||
    (status !== undefined && (status === 429 || status >= 500))
  ) {
    const retryAfter = Number.parseInt(headerValue(e.headers, 'retry-after') ?? '', 10);
    return transient(`stripe_${e.type ?? 'error'}`, detail, {
      ...(Number.isFinite(retryAfter) ? { retryAfterMs: retryAfter * 1000 } : {}),
      cause: err,
    });
  }
  if (!e.type) return transient('stripe_unknown', `${what}: ${e.message ?? String(err)}`, { cause: err });
  return permanent(`stripe_${e.type}`, detail, {
    detail: { requestId: e.requestId, code: e.code },
    cause: err,
  });
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}
