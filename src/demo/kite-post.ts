/**
 * Posts a Stripe event to the daemon the way `kite proxy` does: the Stripe event itself as a
 * compact JSON body, the CloudEvent attributes as `ce-*` headers and Kite's own `x-kite-*`
 * headers, over real HTTP to `POST /webhook/<token>`.
 */
import { randomUUID } from 'node:crypto';

/** A Stripe event as the demo builds it. */
export type StripeEvent = { id: string; type: string; created: number; [key: string]: unknown };

/**
 * Sends one event through the Kite route and returns the HTTP status.
 *
 * @example
 * await postViaKite('http://127.0.0.1:3001/webhook/secret', event);
 */
export async function postViaKite(url: string, event: StripeEvent): Promise<number> {
  const ceId = randomUUID();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': ceId,
      'ce-source': 'https://hooks.getkite.sh/hooks/team_demo/stripe',
      'ce-type': `com.stripe.${event.type}`,
      'ce-time': new Date(event.created * 1000).toISOString().replace('Z', '+00:00'),
      'x-kite-source': 'stripe',
      'x-kite-event-id': ceId,
      'x-kite-event-type': `com.stripe.${event.type}`,
      'x-kite-team-id': 'team_demo',
    },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(5000),
  });
  await response.arrayBuffer();
  return response.status;
}
