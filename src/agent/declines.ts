/**
 * Classifies a payment failure into the classes of the guardrail table. Network and Stripe
 * advice describe this very charge, so a "stop" advice (`do_not_try_again`, Mastercard 03/21,
 * a Visa category 1 response, Stripe's velocity block, a Radar block) always wins over the
 * decline code. Advice that only says "try later" never softens a hard decline; it softens an
 * ambiguous or unknown one. A code this table does not know is `unknown`, which is conservative.
 */
import { MAC_RETRY_AFTER_MS } from './limits.ts';

export const DECLINE_CLASSES = [
  'hard_stop',
  'revoked',
  'fraud',
  'radar_block',
  'stripe_velocity_block',
  'credential_unusable',
  'data_must_change',
  'needs_authentication',
  'funds',
  'ambiguous_soft',
  'transient',
  'integration_error',
  'unknown',
] as const;
export type DeclineClass = (typeof DECLINE_CLASSES)[number];

/** The raw signals of one failure, as Stripe sent them (any may be missing). */
export type DeclineSignals = {
  code?: string | null | undefined;
  declineCode?: string | null | undefined;
  adviceCode?: string | null | undefined;
  networkAdviceCode?: string | null | undefined;
  networkDeclineCode?: string | null | undefined;
  outcomeType?: string | null | undefined;
  outcomeReason?: string | null | undefined;
  cardBrand?: string | null | undefined;
};

export type Classification = {
  class: DeclineClass;
  /** Which field decided, e.g. `network_advice_code=03` or `decline_code=lost_card`. */
  signal: string;
  /** Milliseconds after the decline before which no retry is allowed (Mastercard MAC 24–30, MAC 02). */
  minRetryDelayMs?: number;
};

/** The classes whose credential may be retried by schedule (no card change needed). */
export const RETRYABLE_CLASSES: ReadonlySet<DeclineClass> = new Set(['funds', 'ambiguous_soft', 'transient']);

/** Classes that never allow a retry, even after the customer changes the card. */
export const NEVER_RETRY_CLASSES: ReadonlySet<DeclineClass> = new Set([
  'revoked',
  'radar_block',
  'integration_error',
]);

const DECLINE_CODE_CLASS: Readonly<Record<string, DeclineClass>> = {
  do_not_try_again: 'hard_stop',
  revocation_of_authorization: 'revoked',
  revocation_of_all_authorizations: 'revoked',
  stop_payment_order: 'revoked',
  lost_card: 'fraud',
  stolen_card: 'fraud',
  pickup_card: 'fraud',
  fraudulent: 'fraud',
  merchant_blacklist: 'fraud',
  highest_risk_level: 'radar_block',
  previously_declined_do_not_retry: 'stripe_velocity_block',
  incorrect_number: 'credential_unusable',
  invalid_number: 'credential_unusable',
  invalid_account: 'credential_unusable',
  card_not_supported: 'credential_unusable',
  currency_not_supported: 'credential_unusable',
  transaction_not_allowed: 'credential_unusable',
  restricted_card: 'credential_unusable',
  security_violation: 'credential_unusable',
  not_permitted: 'credential_unusable',
  service_not_allowed: 'credential_unusable',
  expired_card: 'data_must_change',
  incorrect_cvc: 'data_must_change',
  invalid_cvc: 'data_must_change',
  invalid_expiry_month: 'data_must_change',
  invalid_expiry_year: 'data_must_change',
  incorrect_zip: 'data_must_change',
  incorrect_address: 'data_must_change',
  incorrect_pin: 'data_must_change',
  invalid_pin: 'data_must_change',
  pin_try_exceeded: 'data_must_change',
  new_account_information_available: 'data_must_change',
  authentication_required: 'needs_authentication',
  authentication_not_handled: 'needs_authentication',
  payment_intent_authentication_failure: 'needs_authentication',
  offline_pin_required: 'needs_authentication',
  online_or_offline_pin_required: 'needs_authentication',
  insufficient_funds: 'funds',
  card_velocity_exceeded: 'funds',
  withdrawal_count_limit_exceeded: 'funds',
  generic_decline: 'ambiguous_soft',
  do_not_honor: 'ambiguous_soft',
  call_issuer: 'ambiguous_soft',
  no_action_taken: 'ambiguous_soft',
  duplicate_transaction: 'ambiguous_soft',
  card_declined: 'ambiguous_soft',
  processing_error: 'transient',
  try_again_later: 'transient',
  reenter_transaction: 'transient',
  issuer_not_available: 'transient',
  approve_with_id: 'transient',
  idempotency_error: 'integration_error',
  resource_missing: 'integration_error',
  parameter_missing: 'integration_error',
  parameter_invalid_empty: 'integration_error',
  parameter_invalid_integer: 'integration_error',
  parameter_unknown: 'integration_error',
  payment_intent_unexpected_state: 'integration_error',
  payment_method_unexpected_state: 'integration_error',
  api_key_expired: 'integration_error',
};

/** Visa category 1 ("issuer will never approve"): the union of the published lists. */
export const VISA_CATEGORY_1: ReadonlySet<string> = new Set([
  '03',
  '04',
  '07',
  '12',
  '14',
  '15',
  '41',
  '43',
  '46',
  '57',
  '62',
  '78',
  '93',
  'R0',
  'R1',
  'R3',
]);

const VISA_NETWORK_CLASS: Readonly<Record<string, DeclineClass>> = {
  R0: 'revoked',
  R1: 'revoked',
  R3: 'revoked',
  '41': 'fraud',
  '43': 'fraud',
  '1A': 'needs_authentication',
  '54': 'data_must_change',
  '55': 'data_must_change',
  N7: 'data_must_change',
  '82': 'data_must_change',
  '51': 'funds',
  '61': 'funds',
  '65': 'funds',
  '91': 'transient',
  '96': 'transient',
  '19': 'ambiguous_soft',
  '59': 'ambiguous_soft',
  '75': 'ambiguous_soft',
  N3: 'ambiguous_soft',
  N4: 'ambiguous_soft',
};

const MAC_02_MIN_DELAY_MS = 72 * 3_600_000;

/**
 * Classifies one failure.
 *
 * @example
 * classifyDecline({ code: 'card_declined', declineCode: 'lost_card' }).class; // 'fraud'
 * classifyDecline({ declineCode: 'insufficient_funds', networkAdviceCode: '25' }).minRetryDelayMs;
 * // 86_400_000
 */
export function classifyDecline(s: DeclineSignals): Classification {
  const found = stripeBlock(s) ?? networkAdvice(s) ?? stripeAdvice(s) ?? visaResponse(s) ?? fromCode(s);
  const malformed = malformedSignal(s);
  // A code of the wrong type may hide anything: it is unknown unless a signal already forbids more.
  if (malformed && (!found || RETRYABLE_CLASSES.has(found.class) || found.class === 'unknown')) {
    return { class: 'unknown', signal: `${malformed} (not a string)` };
  }
  if (found?.class === 'unknown' && s.adviceCode === 'try_again_later') {
    return { class: 'transient', signal: `advice_code=try_again_later over ${found.signal}` };
  }
  return found ?? unknownOrSoftened(s);
}

/** What the event reader puts in a decline field whose value was not a string (`malformed:number`). */
export const MALFORMED_CODE_PREFIX = 'malformed:';

function malformedSignal(s: DeclineSignals): string | undefined {
  for (const [field, value] of [
    ['code', s.code],
    ['decline_code', s.declineCode],
    ['advice_code', s.adviceCode],
    ['network_advice_code', s.networkAdviceCode],
    ['network_decline_code', s.networkDeclineCode],
    ['outcome.reason', s.outcomeReason],
  ] as const) {
    if (value?.startsWith(MALFORMED_CODE_PREFIX)) return `${field}=${value}`;
  }
  return undefined;
}

function stripeBlock(s: DeclineSignals): Classification | undefined {
  if (s.outcomeReason === 'previously_declined_do_not_retry') {
    return { class: 'stripe_velocity_block', signal: 'outcome.reason=previously_declined_do_not_retry' };
  }
  if (s.outcomeType === 'blocked') return { class: 'radar_block', signal: `outcome.type=blocked` };
  if (s.outcomeType === 'invalid') return { class: 'integration_error', signal: 'outcome.type=invalid' };
  return undefined;
}

function networkAdvice(s: DeclineSignals): Classification | undefined {
  const mac = s.networkAdviceCode?.trim();
  if (!mac) return undefined;
  const signal = `network_advice_code=${mac}`;
  if (mac === '03') return { class: 'hard_stop', signal };
  if (mac === '21') return { class: 'revoked', signal };
  if (mac === '01' || mac === '04') return { class: 'data_must_change', signal };
  if (mac === '40' || mac === '41' || mac === '43') return { class: 'credential_unusable', signal };
  const after = MAC_RETRY_AFTER_MS[mac];
  if (after !== undefined) {
    const base = fromCode(s);
    // A MAC 24–30 comes with a soft decline; a harder decline code still wins.
    if (base && !RETRYABLE_CLASSES.has(base.class)) return base;
    return { class: 'funds', signal, minRetryDelayMs: after };
  }
  if (mac === '02') {
    const base = fromCode(s);
    if (base && !RETRYABLE_CLASSES.has(base.class)) return base;
    return { class: 'ambiguous_soft', signal, minRetryDelayMs: MAC_02_MIN_DELAY_MS };
  }
  return undefined;
}

function stripeAdvice(s: DeclineSignals): Classification | undefined {
  if (s.adviceCode === 'do_not_try_again')
    return { class: 'hard_stop', signal: 'advice_code=do_not_try_again' };
  if (s.adviceCode === 'confirm_card_data') {
    return { class: 'data_must_change', signal: 'advice_code=confirm_card_data' };
  }
  return undefined;
}

function visaResponse(s: DeclineSignals): Classification | undefined {
  const raw = s.networkDeclineCode?.trim().toUpperCase();
  if (!raw) return undefined;
  const brand = s.cardBrand?.toLowerCase();
  if (brand && brand !== 'visa') return undefined;
  const signal = `network_decline_code=${raw}`;
  const mapped = VISA_NETWORK_CLASS[raw];
  if (mapped && !VISA_CATEGORY_1.has(raw)) return { class: mapped, signal };
  if (VISA_CATEGORY_1.has(raw))
    return { class: mapped ?? 'hard_stop', signal: `${signal} (Visa category 1)` };
  return undefined;
}

function fromCode(s: DeclineSignals): Classification | undefined {
  for (const [field, value] of [
    ['decline_code', s.declineCode],
    ['outcome.reason', s.outcomeReason],
    ['code', s.code],
  ] as const) {
    if (!value) continue;
    // `card_declined` is only the family name; a more specific field may follow.
    if (value === 'card_declined' && field === 'code') continue;
    const found = DECLINE_CODE_CLASS[value];
    if (found) return { class: found, signal: `${field}=${value}` };
    if (field !== 'code') return { class: 'unknown', signal: `${field}=${value} (not in the table)` };
  }
  return undefined;
}

function unknownOrSoftened(s: DeclineSignals): Classification {
  if (s.code && s.code !== 'card_declined') {
    if (s.adviceCode === 'try_again_later') {
      return { class: 'transient', signal: `advice_code=try_again_later over code=${s.code}` };
    }
    return { class: 'unknown', signal: `code=${s.code} (not in the table)` };
  }
  if (s.adviceCode === 'try_again_later')
    return { class: 'transient', signal: 'advice_code=try_again_later' };
  if (s.code === 'card_declined')
    return { class: 'ambiguous_soft', signal: 'code=card_declined (no detail)' };
  // No decline detail at all: `last_payment_error: null`, or a `last_payment_error` (even a
  // `card_error`) whose `code` and `decline_code` are both null. Both get the plain policy, as a
  // generic decline: Stripe says the attempt failed and nothing says a retry is forbidden. A code
  // of the wrong type is not "no detail"; it is unknown (see `classifyDecline`).
  return { class: 'ambiguous_soft', signal: 'no decline details' };
}
