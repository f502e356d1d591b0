/**
 * Masks what an operator's screen must not show in full: e-mail addresses become
 * `j***@example.com`, keeping the first character and the domain so a person can still tell
 * two customers apart.
 */

// Limitation: only e-mail addresses are masked; other personal data stays out of what audit
// prints because the agent keeps it out of the decision log, not because audit removes it.
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

/**
 * Replaces every e-mail address in `text` by its masked form.
 *
 * @example
 * maskEmails('sent to jenny.rosen@example.com'); // 'sent to j***@example.com'
 */
export function maskEmails(text: string): string {
  return text.replace(EMAIL, '$1***@$2');
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
