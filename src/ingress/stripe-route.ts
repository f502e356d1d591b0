/**
 * `POST /stripe/webhook`: events sent by Stripe itself. The `Stripe-Signature` header is
 * verified against the raw bytes with each secret in `STRIPE_WEBHOOK_SECRET` (several while a
 * secret is being rolled), `v1` signatures only, 300 s tolerance measured on the injected clock.
 * Nothing unsigned is ever accepted: with no secret configured every delivery is refused.
 */
import express, { type Response } from 'express';
import Stripe from 'stripe';
import { bodyOf, rawBody } from './body.ts';
import { parseJsonText } from './cloudevent.ts';
import type { IngressDeps } from './deps.ts';
import { digestOf } from './digest.ts';
import { isPlainObject } from './normalize.ts';
import { type Refusal, type RouteContext, recordRefusal, sendRefusal, storeAndAnswer } from './respond.ts';

/** Seconds a signed timestamp stays valid (Stripe's own default; never 0, which disables the check). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Mounts the Stripe route on a router. */
export function stripeRouter(deps: IngressDeps, ctx: RouteContext): express.Router {
  const router = express.Router();
  const refuse = (res: Response, refusal: Omit<Refusal, 'route'>) => {
    recordRefusal(deps, ctx.memory, { ...refusal, route: 'stripe' });
    sendRefusal(res, { ...refusal, route: 'stripe' });
  };

  router.post('/stripe/webhook', rawBody, async (req, res) => {
    const raw = bodyOf(req);
    const key = digestOf(raw);
    const secrets = deps.config.stripeWebhookSecrets;
    if (secrets.length === 0) {
      refuse(res, {
        status: 401,
        error: 'not_configured',
        reason: 'STRIPE_WEBHOOK_SECRET is not set',
        key: 'config',
      });
      return;
    }
    const header = req.headers['stripe-signature'];
    if (typeof header !== 'string' || header === '') {
      refuse(res, { status: 401, error: 'missing_signature', reason: 'no Stripe-Signature header', key });
      return;
    }
    const failure = verifySignature(raw, header, secrets, deps.clock.now());
    if (failure) {
      refuse(res, {
        status: 401,
        error: 'bad_signature',
        reason: `rejected: bad signature (${failure})`,
        key,
      });
      return;
    }
    const parsed = parseJsonText(raw.toString('utf8'), 'body');
    if (parsed.kind === 'unusable') {
      refuse(res, { status: 400, error: 'invalid_json', reason: parsed.reason, key });
      return;
    }
    if (isPlainObject(parsed.value) && parsed.value.object === 'v2.core.event') {
      refuse(res, {
        status: 400,
        error: 'thin_event',
        reason: 'thin events (v2.core.event) are not supported: configure a snapshot event destination',
        key,
      });
      return;
    }
    await storeAndAnswer(deps, ctx, res, 'stripe', { transport: 'stripe', raw, payload: parsed }, key);
  });
  return router;
}

/**
 * Checks a `Stripe-Signature` header against the raw bytes with each secret; returns
 * `undefined` when one matches, else the first line of the last verification error.
 */
export function verifySignature(
  raw: Buffer,
  header: string,
  secrets: string[],
  nowMs: number,
): string | undefined {
  const signature = Stripe.webhooks.signature;
  if (!signature) return 'signature helper unavailable';
  let failure = 'no secret matched';
  for (const secret of secrets) {
    try {
      signature.verifyHeader(raw, header, secret, SIGNATURE_TOLERANCE_SECONDS, undefined, nowMs);
      return undefined;
    } catch (error) {
      failure = String((error as Error).message)
        .split('\n')[0]!
        .trim();
    }
  }
  return failure;
}
