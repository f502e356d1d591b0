/**
 * `POST /webhook` (or `/webhook/<KITE_TOKEN>`): events relayed by the Kite CLI. Accepts every
 * shape Kite produces: `kite proxy` (the Stripe event as body, attributes in `ce-*` headers),
 * `kite queue replay` (a structured envelope as plain `application/json`) and structured
 * `application/cloudevents+json`. Kite signs nothing, so the token in the path is the only
 * credential; the Stripe signature of a proxied body is not checked (Kite re-serialises it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { bodyOf, isJsonMediaType, mediaTypeOf, rawBody } from './body.ts';
import type { IngressInput } from './classify.ts';
import {
  attributesOf,
  decodeStructuredData,
  hasBinaryHeaders,
  isStructuredEnvelope,
  parseJsonText,
  parseStructured,
  readBinaryAttributes,
} from './cloudevent.ts';
import type { IngressDeps } from './deps.ts';
import { digestOf } from './digest.ts';
import { type Refusal, type RouteContext, recordRefusal, sendRefusal, storeAndAnswer } from './respond.ts';

/** Mounts the Kite route on a router. */
export function kiteRouter(deps: IngressDeps, ctx: RouteContext): express.Router {
  const router = express.Router();
  const token = deps.config.kiteToken;
  const refuse = (res: Response, refusal: Omit<Refusal, 'route'>) => {
    const key = refusal.key ?? headerKey(res.req);
    recordRefusal(deps, ctx.memory, { ...refusal, key, route: 'kite' });
    sendRefusal(res, { ...refusal, route: 'kite' });
  };

  router.post('/webhook', rawBody, async (req, res) => {
    if (token) {
      refuse(res, {
        status: 401,
        error: 'unauthorized',
        reason: 'KITE_TOKEN is set: post to /webhook/<token>',
      });
      return;
    }
    await handleKite(deps, ctx, req, res, refuse);
  });
  router.post('/webhook/:token', rawBody, async (req, res) => {
    if (!token) {
      refuse(res, {
        status: 401,
        error: 'unauthorized',
        reason: 'no KITE_TOKEN is configured: post to /webhook',
      });
      return;
    }
    if (!sameSecret(String(req.params.token), token)) {
      refuse(res, { status: 401, error: 'unauthorized', reason: 'wrong Kite token in the path' });
      return;
    }
    await handleKite(deps, ctx, req, res, refuse);
  });
  return router;
}

type Refuse = (res: Response, refusal: Omit<Refusal, 'route'>) => void;

async function handleKite(deps: IngressDeps, ctx: RouteContext, req: Request, res: Response, refuse: Refuse) {
  const raw = bodyOf(req);
  const mediaType = mediaTypeOf(req);
  const key = headerKey(req) ?? digestOf(raw);
  const input = readKiteInput(req.headers, raw, mediaType);
  if ('refusal' in input) {
    refuse(res, { ...input.refusal, key });
    return;
  }
  await storeAndAnswer(deps, ctx, res, 'kite', input, input.ce?.id ?? key);
}

/**
 * Works out which Kite shape a request is and returns the input to store, or the refusal for a
 * request that is not a CloudEvent or Stripe event at all.
 */
export function readKiteInput(
  headers: Request['headers'],
  raw: Buffer,
  mediaType: string,
): IngressInput | { refusal: Omit<Refusal, 'route' | 'key'> } {
  if (mediaType.startsWith('application/cloudevents-batch')) {
    return {
      refusal: {
        status: 415,
        error: 'unsupported_media_type',
        reason: 'batched CloudEvents are not accepted',
      },
    };
  }
  const structuredType = mediaType.startsWith('application/cloudevents');
  if (hasBinaryHeaders(headers) && !structuredType) {
    const attrs = readBinaryAttributes(headers);
    if (!attrs.ok) return { refusal: { status: 400, error: 'invalid_cloudevent', reason: attrs.reason } };
    const payload =
      raw.length === 0
        ? { kind: 'unusable' as const, reason: 'CloudEvent has no data' }
        : parseJsonText(raw.toString('utf8'), 'CloudEvent data');
    return { transport: 'kite-http', raw, ce: attrs.attributes, payload };
  }
  if (raw.length === 0) return { refusal: { status: 400, error: 'not_an_event', reason: 'empty body' } };
  if (!isJsonMediaType(mediaType)) {
    return {
      refusal: {
        status: 415,
        error: 'unsupported_media_type',
        reason: `content-type ${mediaType.slice(0, 100) || '(none)'}: expected application/json or application/cloudevents+json`,
      },
    };
  }
  const parsed = parseJsonText(raw.toString('utf8'), 'body');
  if (parsed.kind === 'unusable')
    return { refusal: { status: 400, error: 'invalid_json', reason: parsed.reason } };
  if (isStructuredEnvelope(parsed.value)) {
    const envelope = parseStructured(parsed.value);
    if (!envelope.ok)
      return { refusal: { status: 400, error: 'invalid_cloudevent', reason: envelope.reason } };
    const ce = attributesOf(envelope.event);
    return { transport: 'kite-http', raw, ce, payload: decodeStructuredData(envelope.event) };
  }
  if (structuredType) {
    return {
      refusal: {
        status: 400,
        error: 'invalid_cloudevent',
        reason: 'structured CloudEvent without specversion',
      },
    };
  }
  return { transport: 'kite-http', raw, payload: parsed };
}

/** The CloudEvent id the request names in its headers, if any: what a repeated refusal is known by. */
function headerKey(req: Request): string | undefined {
  const id = req.headers['ce-id'] ?? req.headers['x-kite-event-id'];
  return typeof id === 'string' ? id : undefined;
}

/** Constant-time comparison of two secrets of any length (compares their SHA-256 digests). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
