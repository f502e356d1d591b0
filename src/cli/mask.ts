/**
 * Masks what an operator's screen must not show in full: e-mail addresses become
 * `j***@example.com`, keeping the first character and the domain so a person can still tell
 * two customers apart.
 */

import { replaceEmails } from '../agent/redact.ts';

// Limitation: only e-mail addresses are masked; other personal data stays out of what audit
// prints because the agent keeps it out of the decision log, not because audit removes it.

/**
 * Replaces every e-mail address in `text` by its masked form.
 *
 * @example
 * maskEmails('sent to jenny.rosen@example.com'); // 'sent to j***@example.com'
 */
export function maskEmails(text: string): string {
  // A linear scan: stored customer text can be megabytes, and a backtracking pattern would hang.
  return replaceEmails(text, (local, domain) => `${local[0]}***@${domain}`);
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
