/**
 * The one place the official Stripe client is made. `STRIPE_API_BASE` points it at another
 * server (stripe-mock, the test fakes). The API version is pinned to the one this code is
 * written against; webhook payloads may still arrive in older versions and are read leniently.
 */
import Stripe from 'stripe';

/** The Stripe API version the code is written against (the version stripe-node 23.2.0 pins). */
export const STRIPE_API_VERSION = '2026-11-18.endive';

export type StripeClientOptions = {
  secretKey: string;
  apiBase?: string | undefined;
  /** Network retries inside the SDK; each keeps the request's idempotency key. */
  maxNetworkRetries?: number;
  timeoutMs?: number;
};

/** Makes a Stripe client for `secretKey`, optionally against another API base URL. */
export function makeStripe(options: StripeClientOptions): Stripe {
  const base = options.apiBase ? new URL(options.apiBase) : undefined;
  return new Stripe(options.secretKey, {
    apiVersion: STRIPE_API_VERSION as Stripe.LatestApiVersion,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 20_000,
    telemetry: false,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
  });
}
