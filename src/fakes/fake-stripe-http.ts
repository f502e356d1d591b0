/** Small HTTP helpers of the local Stripe stand-in: Stripe-shaped answers and fault queues. */
import type { Response } from 'express';
import * as make from './fake-stripe-objects.ts';

export function takeMatching<T extends { path: RegExp; count: number }>(
  list: T[],
  path: string,
): T | undefined {
  const index = list.findIndex((f) => f.path.test(path));
  if (index < 0) return undefined;
  const item = list[index]!;
  item.count -= 1;
  if (item.count <= 0) list.splice(index, 1);
  return item;
}

export function pickUpdatable(body: unknown): Record<string, unknown> {
  const { metadata, description, receipt_email, payment_method } = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries({ metadata, description, receipt_email, payment_method }).filter(
      ([, v]) => v !== undefined,
    ),
  );
}

export function missing(res: Response, kind: string, id: string) {
  return send(
    res,
    404,
    make.errorBody('invalid_request_error', {
      code: 'resource_missing',
      param: 'id',
      message: `No such ${kind}: '${id}'`,
    }),
  );
}

export function send(res: Response, status: number, body: unknown) {
  if (res.headersSent || res.destroyed) return;
  res.status(status).json(body);
}
