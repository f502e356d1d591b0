/**
 * How the HTTP routes answer: JSON always (never express's HTML page, never a 3xx), a count in
 * `billing_agent_events_received_total` for every answer, and a log line for every refusal.
 * Kite redelivers a refused event forever, so a refusal already logged for the same CloudEvent
 * id (or the same bytes) is logged again only at debug level.
 */
import type { Response } from 'express';
import type { Logger } from '../log.ts';
import { type Accepted, type AcceptOutcome, acceptInputGrouped, StorageError } from './accept.ts';
import type { IngressInput } from './classify.ts';
import type { IngressDeps, RouteLabel } from './deps.ts';
import type { InboxWriter } from './inbox-writer.ts';

/** Error codes of refusals, used as the JSON `error` field and as the metric outcome. */
export type RefusalCode =
  | 'invalid_json'
  | 'not_an_event'
  | 'invalid_cloudevent'
  | 'thin_event'
  | 'unauthorized'
  | 'not_configured'
  | 'missing_signature'
  | 'bad_signature'
  | 'too_large'
  | 'unsupported_media_type'
  | 'storage_unavailable'
  | 'bad_request'
  | 'not_found';

/** Seconds a sender is asked to wait after a storage failure. */
export const RETRY_AFTER_SECONDS = 5;

const REMEMBERED_REFUSALS = 10_000;

/** Remembers which refusals were already logged at warn level (bounded, oldest forgotten first). */
export class RefusalMemory {
  #seen = new Set<string>();

  /** True the first time `key` is seen (and remembers it). */
  firstTime(key: string): boolean {
    if (this.#seen.has(key)) return false;
    if (this.#seen.size >= REMEMBERED_REFUSALS) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.#seen.add(key);
    return true;
  }
}

/** What the routes of one application share: refusals already logged, and the group-commit writer. */
export type RouteContext = { memory: RefusalMemory; writer: InboxWriter };

/** Everything a refusal answer needs besides the response. */
export type Refusal = {
  status: 400 | 401 | 404 | 413 | 415 | 503;
  error: RefusalCode;
  reason: string;
  route: RouteLabel | undefined;
  /** The CloudEvent id, Kite seq or body digest, so a redelivered refusal is logged once. */
  key?: string | undefined;
};

/** Logs (once per key at warn level) and counts a refusal. */
export function recordRefusal(
  deps: Pick<IngressDeps, 'metrics'> & { log: Logger },
  memory: RefusalMemory,
  refusal: Refusal,
): void {
  if (refusal.route) deps.metrics.eventsReceived.inc({ route: refusal.route, outcome: refusal.error });
  const fields = { route: refusal.route, error: refusal.error, reason: refusal.reason, key: refusal.key };
  if (refusal.status === 503) deps.log.error(fields, 'refused: storage unavailable');
  else if (refusal.key === undefined || memory.firstTime(`${refusal.error}:${refusal.key}`)) {
    deps.log.warn(fields, 'refused');
  } else deps.log.debug(fields, 'refused again');
}

/** Sends a refusal as JSON `{ error, reason }` (503s carry `Retry-After`). */
export function sendRefusal(res: Response, refusal: Refusal): void {
  if (refusal.status === 503) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
  res.status(refusal.status).json({ error: refusal.error, reason: refusal.reason });
}

/** Sends the 200 answer for an input that is in the inbox. */
export function sendAccepted(res: Response, accepted: Accepted): void {
  const body: Record<string, unknown> = { status: accepted.status, id: accepted.id };
  if (accepted.reason && accepted.status !== 'duplicate') body.reason = accepted.reason;
  res.status(200).json(body);
}

/**
 * Stores one input and answers: 200 when it is in the inbox, 400 when it is not an event at
 * all, 503 with `Retry-After` when the inbox cannot be written.
 */
export async function storeAndAnswer(
  deps: IngressDeps,
  ctx: RouteContext,
  res: Response,
  route: RouteLabel,
  input: IngressInput,
  key: string | undefined,
): Promise<void> {
  const { memory } = ctx;
  let outcome: AcceptOutcome;
  try {
    outcome = await acceptInputGrouped(deps, ctx.writer, route, input);
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    // Counted and logged by acceptInput; only the answer is left.
    sendRefusal(res, {
      status: 503,
      error: 'storage_unavailable',
      reason: `inbox write failed${error.code ? ` (${error.code})` : ''}; try again`,
      route: undefined,
    });
    return;
  }
  if (outcome.kind === 'accepted') {
    sendAccepted(res, outcome.accepted);
    return;
  }
  const refusal: Refusal = { status: 400, error: 'not_an_event', reason: outcome.reason, route, key };
  recordRefusal(deps, memory, refusal);
  sendRefusal(res, refusal);
}
