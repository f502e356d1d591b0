/**
 * Structured logging: pino JSON lines with constant messages and data in fields. Secrets,
 * e-mail addresses and card data are redacted by path; human-readable output when stdout is
 * a terminal.
 */
import pino from 'pino';
import { replaceEmails } from './agent/redact.ts';

export type Logger = pino.Logger;

/** Field paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'email',
  '*.email',
  '*.*.email',
  'to',
  '*.to',
  'recipient',
  '*.recipient',
  'receipt_email',
  '*.receipt_email',
  'card',
  '*.card',
  'headers.authorization',
  '*.headers.authorization',
  'headers["stripe-signature"]',
  '*.headers["stripe-signature"]',
];

/** Options for {@link makeLogger}. */
export type LoggerOptions = {
  level?: string;
  /** Write to this file descriptor or stream instead of stdout (tests use a memory stream). */
  destination?: pino.DestinationStream;
  pretty?: boolean;
};

/**
 * Makes the process logger.
 *
 * @example
 * const log = makeLogger({ level: 'info' });
 * log.info({ caseId }, 'case opened');
 */
export function makeLogger(options: LoggerOptions = {}): Logger {
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { name: 'billing-agent' },
    formatters: { log: (object: Record<string, unknown>) => scrub(object) as Record<string, unknown> },
  };
  if (options.destination) return pino(base, options.destination);
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(base, pino.destination({ dest: 1, sync: true }));
}

/** A logger that drops everything (library use and quiet tests). */
export const silentLogger: Logger = pino({ level: 'silent' });

/** 12 to 19 digits, optionally separated by single spaces or dashes: what a card number looks like. */
const CARD_NUMBER = /\d(?:[ -]?\d){11,18}/g;

/**
 * Removes e-mail addresses and card-number-like digit runs from every string of a log object,
 * wherever they hide (an upstream error message, a nested detail), beyond the named paths.
 */
export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return replaceEmails(value, () => '[email]').replace(CARD_NUMBER, '[number]');
  }
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value instanceof Error) {
    // Own fields first (code, status…), then the ones Error keeps off the enumerable list.
    return scrub({ ...value, type: value.name, message: value.message, stack: value.stack }, depth);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = scrub(v, depth + 1);
  return out;
}
