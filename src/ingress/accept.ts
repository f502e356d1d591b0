/**
 * The step every route and reader shares: classify one input, store it in the inbox (committed
 * before this returns), count it and log it. A storage failure becomes a {@link StorageError},
 * which HTTP routes answer with 503 and readers retry.
 */
import { BillingAgentError } from '../errors.ts';
import { type NewInboxRow, type StoreOutcome, storeInboxRow } from '../store/inbox.ts';
import { classifyInput, type IngressInput } from './classify.ts';
import type { IngressDeps, RouteLabel } from './deps.ts';
import type { InboxWriter } from './inbox-writer.ts';

/** The answer for an input that was stored (or found already stored). */
export type Accepted = {
  status: 'stored' | 'duplicate' | 'ignored' | 'rejected';
  id: number;
  reason?: string | undefined;
  dedupKey: string;
};

/** Either the input is in the inbox, or it is not an event at all and nothing changed. */
export type AcceptOutcome = { kind: 'accepted'; accepted: Accepted } | { kind: 'refused'; reason: string };

/** The inbox could not be written (SQLITE_BUSY, disk full, read-only…); trying again may help. */
export class StorageError extends BillingAgentError {
  readonly code: string | undefined;
  constructor(cause: unknown) {
    super('inbox write failed', { cause });
    this.code = (cause as { code?: string } | undefined)?.code;
  }
}

/**
 * Classifies and stores one input in its own transaction. Refusals are returned, not counted:
 * the caller answers them (it knows the status code) and counts them.
 *
 * @example
 * const outcome = acceptInput(deps, 'file', { transport: 'file', raw, payload });
 */
export function acceptInput(deps: IngressDeps, route: RouteLabel, input: IngressInput): AcceptOutcome {
  const prepared = prepare(deps, route, input);
  if ('refused' in prepared) return prepared.refused;
  let stored: StoreOutcome;
  try {
    stored = storeInboxRow(deps.db, prepared.row, prepared.now);
  } catch (error) {
    throw storageFailed(deps, route, prepared.fields, error);
  }
  return finish(deps, route, prepared, stored);
}

/** Like {@link acceptInput}, but the row shares a commit with the rows queued alongside it. */
export async function acceptInputGrouped(
  deps: IngressDeps,
  writer: InboxWriter,
  route: RouteLabel,
  input: IngressInput,
): Promise<AcceptOutcome> {
  const prepared = prepare(deps, route, input);
  if ('refused' in prepared) return prepared.refused;
  let stored: StoreOutcome;
  try {
    stored = await writer.write(prepared.row, prepared.now);
  } catch (error) {
    throw storageFailed(deps, route, prepared.fields, error);
  }
  return finish(deps, route, prepared, stored);
}

type Prepared = { row: NewInboxRow; now: number; fields: Record<string, unknown> };

function prepare(
  deps: IngressDeps,
  route: RouteLabel,
  input: IngressInput,
): Prepared | { refused: AcceptOutcome } {
  const now = deps.clock.now();
  const classified = classifyInput(input, Math.floor(now / 1000));
  if (classified.kind === 'refuse') return { refused: { kind: 'refused', reason: classified.reason } };
  const { row } = classified;
  const fields = {
    route,
    dedupKey: row.dedupKey,
    type: row.type,
    objectId: row.objectId,
    kiteId: row.kiteId,
    kiteSeq: row.kiteSeq,
  };
  if (classified.warning) deps.log.warn(fields, classified.warning);
  return { row, now, fields };
}

function storageFailed(
  deps: IngressDeps,
  route: RouteLabel,
  fields: Record<string, unknown>,
  error: unknown,
) {
  deps.metrics.eventsReceived.inc({ route, outcome: 'unavailable' });
  deps.log.error({ ...fields, err: error }, 'inbox write failed');
  return new StorageError(error);
}

function finish(
  deps: IngressDeps,
  route: RouteLabel,
  prepared: Prepared,
  stored: StoreOutcome,
): AcceptOutcome {
  const { row } = prepared;
  const status =
    stored.outcome === 'duplicate' ? 'duplicate' : row.status === 'pending' ? 'stored' : row.status;
  deps.metrics.eventsReceived.inc({ route, outcome: status });
  const logFields = { ...prepared.fields, inboxId: stored.id, reason: row.reason };
  // Stored events are most of the traffic and are counted in the metrics; their line is at debug
  // level because a redacted log line costs about as much as verifying a signature.
  if (status === 'stored') deps.log.debug(logFields, 'event stored');
  else if (status === 'duplicate') deps.log.info(logFields, 'duplicate, skipped');
  else if (status === 'ignored') deps.log.info(logFields, 'event ignored');
  else deps.log.warn(logFields, 'event rejected and stored');
  return {
    kind: 'accepted',
    accepted: { status, id: stored.id, reason: row.reason, dedupKey: row.dedupKey },
  };
}
