/**
 * Redaction of customer-supplied text before it reaches the planner: e-mail addresses become
 * `[email]` and card-number-like digit runs become `[number]`, and the result is cut to a length.
 * The text is cut before it is scanned, and every scan is linear in its input: an address is
 * found by looking around each `@` within bounded lengths, never by a pattern that can
 * backtrack, so a hostile megabyte of metadata costs microseconds, not minutes.
 */

/** The longest local part and domain an address may have (RFC 5321's limits). */
const LOCAL_MAX = 64;
const DOMAIN_MAX = 255;
/** A redaction replaces at most this many characters. */
const MATCH_MAX = LOCAL_MAX + 1 + DOMAIN_MAX;
/** The shortest replacement (`[email]`), for the window arithmetic below. */
const REPLACEMENT_MIN = 7;

/** Characters that end an address part. */
const STOP = new Set(['@', '<', '>', '(', ')', '"', "'", ',', ';']);
const isAddressChar = (c: string | undefined) => c !== undefined && !STOP.has(c) && !/\s/.test(c);

/** 12 to 19 digits, optionally separated by single spaces or dashes: linear (disjoint, bounded). */
const DIGITS = /\d(?:[ -]?\d){11,18}/g;

/**
 * Redacts and cuts one customer text. Only a window of the input is scanned: each redaction
 * shrinks at most {@link MATCH_MAX} characters to {@link REPLACEMENT_MIN}, so the `max` kept
 * characters come from inside the window, and a match cut at the window's edge lies past them.
 *
 * @example
 * redactText('write to a.b@example.com, card 4242 4242 4242 4242', 500); // 'write to [email], card [number]'
 */
export function redactText(text: string, max: number): string {
  const window = Math.ceil(max / REPLACEMENT_MIN) * MATCH_MAX + MATCH_MAX;
  return redactEmails(text.slice(0, window)).replace(DIGITS, '[number]').slice(0, max);
}

/** Replaces every `local@domain.tld` with `[email]`, scanning outward from each `@`. */
export function redactEmails(text: string): string {
  return replaceEmails(text, () => '[email]');
}

/**
 * Replaces every `local@domain.tld` in `text` with what `replace` makes of its two parts,
 * scanning outward from each `@` within bounded lengths (linear in the input).
 *
 * @example
 * replaceEmails('to jo@example.com', (local, domain) => `${local[0]}***@${domain}`); // 'to j***@example.com'
 */
export function replaceEmails(text: string, replace: (local: string, domain: string) => string): string {
  let out = '';
  let copied = 0;
  let at = text.indexOf('@');
  while (at !== -1) {
    let start = at;
    while (start > copied && at - start < LOCAL_MAX && isAddressChar(text[start - 1])) start--;
    let end = at + 1;
    while (end < text.length && end - at - 1 < DOMAIN_MAX && isAddressChar(text[end])) end++;
    const domain = text.slice(at + 1, end);
    const dot = domain.indexOf('.', 1);
    if (start < at && dot !== -1 && dot < domain.length - 1) {
      out += text.slice(copied, start) + replace(text.slice(start, at), domain);
      copied = end;
      at = text.indexOf('@', end);
    } else {
      at = text.indexOf('@', at + 1);
    }
  }
  return out + text.slice(copied);
}

/**
 * Masks every e-mail address in `text` for an operator's screen or the audit columns, keeping the
 * first character and the domain so that two customers can still be told apart.
 *
 * @example
 * maskEmails('sent to jenny.rosen@example.com'); // 'sent to j***@example.com'
 */
export function maskEmails(text: string): string {
  return replaceEmails(text, (local, domain) => `${local[0]}***@${domain}`);
}
