/**
 * Hard limits no policy file can lift. They come from card-network rules (Visa's excessive
 * reattempt rule, Mastercard's excessive-attempt and Merchant Advice Code programmes) and from
 * what Stripe itself allows; a policy may be stricter, never looser. Every value is in UTC
 * milliseconds or a plain count.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Visa: at most 15 reattempts of one payment in 30 days (the 16th is fee-bearing). */
export const MAX_REATTEMPTS_PER_30_DAYS = 15;
export const REATTEMPT_WINDOW_MS = 30 * DAY;

/** At most 10 declines on one card in 24 hours, across every case (Mastercard's 24-hour rule). */
export const MAX_DECLINES_PER_CARD_24H = 10;
export const CARD_DECLINE_WINDOW_MS = DAY;

/** A live-mode payment is never retried sooner than this after its failure. */
export const LIVE_MIN_RETRY_DELAY_MS = MINUTE;
/** A test-mode payment may be retried after one second, so a test account runs the flow fast. */
export const TEST_MIN_RETRY_DELAY_MS = 1000;
/** No retry is scheduled further out than this. */
export const MAX_RETRY_DELAY_MS = 30 * DAY;

/** Stripe's own ceiling on retries per invoice; the policy's `retryDelays` cannot be longer. */
export const MAX_RETRIES_PER_CASE = 8;
/** No automated retry once the case is older than this (Stripe and Recurly stop at 60 days). */
export const MAX_CASE_AGE_FOR_RETRY_MS = 60 * DAY;

/** The highest `escalateAfterFailures` a policy may set (inside Visa's 15 per 30 days). */
export const MAX_ESCALATE_AFTER_FAILURES = 15;
/** The most customer notices a policy may allow per case. */
export const MAX_NOTICES_PER_CASE = 10;

/** Per decline class, how many automated retries are allowed per case (the guardrail table). */
export const CLASS_RETRY_CAPS = {
  funds: 8,
  ambiguous_soft: 6,
  transient: 3,
} as const;

/** Transient declines: at most this many retries in 24 hours. */
export const TRANSIENT_MAX_RETRIES_24H = 3;

/** Mastercard Merchant Advice Codes 24–30: the earliest permitted retry after the decline. */
export const MAC_RETRY_AFTER_MS: Readonly<Record<string, number>> = {
  '24': HOUR,
  '25': DAY,
  '26': 2 * DAY,
  '27': 4 * DAY,
  '28': 6 * DAY,
  '29': 8 * DAY,
  '30': 10 * DAY,
};

/** Failures of one case less than this far apart with no charge id to tell them apart are one attempt. */
export const ATTEMPT_MERGE_WINDOW_MS = 10 * MINUTE;
