/**
 * Masks what an operator's screen must not show in full: e-mail addresses become
 * `j***@example.com`, keeping the first character and the domain so a person can still tell
 * two customers apart, and card-number-like digit runs (12 to 19 digits, optionally split by
 * single spaces or dashes) keep only their last four digits (`****4242`). Both scans are linear.
 */

import { maskEmails as maskEmailAddresses } from '../agent/redact.ts';

/** 12 to 19 digits, optionally separated by single spaces or dashes: bounded, so linear. */
const CARD_NUMBER = /\d(?:[ -]?\d){11,18}/g;

/**
 * Masks every e-mail address and card-number-like digit run in `text`.
 *
 * @example
 * maskEmails('sent to jenny.rosen@example.com'); // 'sent to j***@example.com'
 * maskEmails('card 4242 4242 4242 4242'); // 'card ****4242'
 */
export function maskEmails(text: string): string {
  return maskEmailAddresses(text).replace(CARD_NUMBER, (run) => `****${run.replace(/\D/g, '').slice(-4)}`);
}

/** {@link maskEmails} for nullable values. */
export function maskNullable(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : maskEmails(text);
}

/** Masks every string inside a JSON-like value, returning a copy. */
export function maskDeep(value: unknown): unknown {
  if (typeof value === 'string') return maskEmails(value);
  if (Array.isArray(value)) return value.map(maskDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v)]));
  }
  return value;
}
