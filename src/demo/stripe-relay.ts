/**
 * Plays Stripe's part after the agent acts: for every confirm the fake Stripe answered, it
 * sends the webhook Stripe would send (failed again, or succeeded) through the Kite route, as
 * `kite proxy` would relay it. Polls the fake's request log; bounded by `stop()`.
 */
import type { FakeStripe } from '../fakes/fake-stripe.ts';
import { postViaKite } from './kite-post.ts';
import { followUpEvent } from './scenario.ts';

export type StripeRelay = { posted: number; idle(): boolean; stop(): Promise<void> };

const CONFIRM = /^\/v1\/payment_intents\/([^/]+)\/confirm$/;

/** Starts relaying follow-up events for confirms to `webhookUrl`. */
export function startStripeRelay(
  stripe: FakeStripe,
  webhookUrl: string,
  onError: (e: Error) => void,
): StripeRelay {
  let seen = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let busy = false;
  const relay: StripeRelay = {
    posted: 0,
    idle: () => !busy && stripe.requests.length === seen,
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
  const tick = () => {
    if (busy) return;
    const fresh = stripe.requests.slice(seen);
    seen = stripe.requests.length;
    const confirms = fresh.filter((r) => r.method === 'POST' && !r.replayed && CONFIRM.test(r.path));
    if (confirms.length === 0) return;
    busy = true;
    inFlight = (async () => {
      for (const request of confirms) {
        const id = CONFIRM.exec(request.path)![1]!;
        const status = await postViaKite(webhookUrl, followUpEvent(stripe, id, Date.now()));
        if (status !== 200) throw new Error(`the Kite route answered ${status}`);
        relay.posted += 1;
      }
    })()
      .catch((error: unknown) => onError(error as Error))
      .finally(() => {
        busy = false;
      });
  };
  const timer = setInterval(tick, 100);
  return relay;
}
