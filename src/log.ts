/**
 * Structured logging: pino JSON lines with constant messages and data in fields. Secrets,
 * e-mail addresses and card data are redacted by path; human-readable output when stdout is
 * a terminal.
 */
import pino from 'pino';

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
