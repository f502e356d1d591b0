/**
 * Processor-outage ("storm") detection: many cases failing with `processing_error` in a short
 * window. During a storm, retries of those cases are held back (deferred past the hold, never
 * dropped), customers are not told about our processor's errors, and ONE incident escalation is
 * raised (case id `incident:<window start ISO>`, kind `incident`). State lives in `meta`.
 */
// Limitation: a retry held back to the end of the hold is not pushed back again if the storm
// lasts longer; it runs at the first hold's end (and is subject to the executors' own checks).
import { parseDuration } from '../duration.ts';
import type { Db } from '../store/db.ts';
import { countCasesFailingWith } from '../store/failures.ts';
import { getMeta, META_KEYS } from '../store/meta.ts';
import type { FailureFacts } from './facts.ts';
import type { Policy } from './policy.ts';

export type StormState = {
  incidentId: string;
  since: number;
  holdUntil: number;
  count: number;
  raise: boolean;
};
type StoredStorm = { since: number; until: number; count: number; incidentId: string };

const STORM_CODE = 'processing_error';

/**
 * Whether this failure is part of a storm. `caseCounted` says whether the failure's case already
 * has a processing error in the window (so it is not counted twice).
 */
export function assessStorm(
  db: Db,
  policy: Policy,
  failure: FailureFacts | null,
  caseCounted: boolean,
): StormState | null {
  if (!failure || (failure.code !== STORM_CODE && failure.declineCode !== STORM_CODE)) return null;
  const windowMs = parseDuration(policy.storm.window)!;
  const holdMs = parseDuration(policy.storm.holdFor)!;
  const at = failure.occurredAt;
  const seen = countCasesFailingWith(db, STORM_CODE, at - windowMs);
  const count = seen.cases + (caseCounted ? 0 : 1);
  const stored = getMeta<StoredStorm>(db, META_KEYS.storm);
  const ongoing = stored && stored.until > at ? stored : undefined;
  if (!ongoing && count < policy.storm.threshold) return null;
  const since = ongoing?.since ?? Math.min(seen.first ?? at, at);
  return {
    incidentId: ongoing?.incidentId ?? `incident:${new Date(since).toISOString()}`,
    since,
    holdUntil: Math.max(ongoing?.until ?? 0, at + holdMs),
    count: Math.max(count, ongoing?.count ?? 0),
    raise: !ongoing,
  };
}

/** The value to keep in `meta` for an assessed storm. */
export function stormMeta(storm: StormState): StoredStorm {
  return { since: storm.since, until: storm.holdUntil, count: storm.count, incidentId: storm.incidentId };
}
