/**
 * Request bodies: read as raw bytes on every event route (whatever the content type), so the
 * Stripe signature is checked against the exact bytes received and nothing is parsed twice.
 * Larger than {@link BODY_LIMIT_BYTES} is refused with 413 by the error handler.
 */
import express, { type Request } from 'express';

/** Largest accepted request body (1 MiB; real Stripe events are a few kilobytes). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Middleware that leaves the body as a Buffer in `req.body`. */
export const rawBody = express.raw({ type: () => true, limit: BODY_LIMIT_BYTES });

/** The body bytes (empty when there was no body). */
export function bodyOf(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** The media type of the request, lower-cased, without parameters (`''` when absent). */
export function mediaTypeOf(req: Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** True for `application/json` and any `+json` type (`application/cloudevents+json`, …). */
export function isJsonMediaType(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType === 'text/json' || mediaType.endsWith('+json');
}
