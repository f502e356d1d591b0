/**
 * Events as lines of text: `kite stream --json` NDJSON files, `kite stream --exec` stdin (one
 * document, no trailing newline), `kite listen --socket` lines. Each line is a structured
 * CloudEvent or a bare Stripe event; a pretty-printed single JSON document is read whole.
 * Each stored line is committed before the next is read.
 */
import type { Transport } from '../store/inbox.ts';
import { type AcceptOutcome, acceptInput } from './accept.ts';
import { BODY_LIMIT_BYTES } from './body.ts';
import type { IngressInput } from './classify.ts';
import {
  attributesOf,
  decodeStructuredData,
  isStructuredEnvelope,
  parseJsonText,
  parseStructured,
} from './cloudevent.ts';
import type { IngressDeps, RouteLabel } from './deps.ts';
import { type Line, readLines } from './line-reader.ts';

/** What `ingestStream` did, line by line. */
export type IngestCounts = {
  /** Non-blank lines (or 1 for a single multi-line document). */
  lines: number;
  stored: number;
  duplicate: number;
  ignored: number;
  /** Stored, with status rejected: a well-formed event the agent cannot use. */
  rejected: number;
  /** Not an event at all: nothing stored. */
  invalid: number;
  /** Every rejected or invalid line, with why. */
  problems: { line: number; reason: string; stored: boolean }[];
};

/**
 * Classifies and stores one line of text; throws a `StorageError` when it cannot be written.
 *
 * @example
 * const outcome = acceptLine(deps, 'file', 'file', '{"id":"evt_1","object":"event",…}');
 */
export function acceptLine(
  deps: IngressDeps,
  route: RouteLabel,
  transport: Extract<Transport, 'file' | 'socket'>,
  text: string,
): AcceptOutcome {
  const input = parseLine(text, transport);
  if ('refusal' in input) {
    deps.metrics.eventsReceived.inc({ route, outcome: 'invalid' });
    return { kind: 'refused', reason: input.refusal };
  }
  const outcome = acceptInput(deps, route, input);
  if (outcome.kind === 'refused') deps.metrics.eventsReceived.inc({ route, outcome: 'invalid' });
  return outcome;
}

/** Reads one line as a structured CloudEvent or a Stripe event. */
export function parseLine(text: string, transport: Transport): IngressInput | { refusal: string } {
  const raw = Buffer.from(text);
  const parsed = parseJsonText(text, 'line');
  if (parsed.kind === 'unusable') return { refusal: parsed.reason };
  if (!isStructuredEnvelope(parsed.value)) return { transport, raw, payload: parsed };
  const envelope = parseStructured(parsed.value);
  if (!envelope.ok) return { refusal: envelope.reason };
  return { transport, raw, ce: attributesOf(envelope.event), payload: decodeStructuredData(envelope.event) };
}

/**
 * Stores every event of a stream (NDJSON, or one JSON document) and counts the outcomes.
 * Resolves once every line is committed; rejects with the `StorageError` of the first line that
 * could not be written (the lines before it are committed).
 */
export async function ingestStream(
  deps: IngressDeps,
  input: NodeJS.ReadableStream,
  transport: Extract<Transport, 'file' | 'socket'> = 'file',
): Promise<IngestCounts> {
  const counts: IngestCounts = {
    lines: 0,
    stored: 0,
    duplicate: 0,
    ignored: 0,
    rejected: 0,
    invalid: 0,
    problems: [],
  };
  const route: RouteLabel = transport;
  for await (const line of documents(input)) {
    if (line.tooLong) {
      counts.lines++;
      counts.invalid++;
      counts.problems.push({
        line: line.number,
        reason: `line or document larger than ${BODY_LIMIT_BYTES} bytes`,
        stored: false,
      });
      continue;
    }
    if (line.text.trim() === '') continue;
    counts.lines++;
    const outcome = acceptLine(deps, route, transport, line.text);
    if (outcome.kind === 'refused') {
      counts.invalid++;
      counts.problems.push({ line: line.number, reason: outcome.reason, stored: false });
      deps.log.warn({ line: line.number, reason: outcome.reason }, 'line not stored: not an event');
      continue;
    }
    const { status, reason } = outcome.accepted;
    counts[status]++;
    if (status === 'rejected')
      counts.problems.push({ line: line.number, reason: reason ?? 'rejected', stored: true });
  }
  return counts;
}

// Limitation: a pretty-printed (multi-line) document is read whole only up to 1 MiB; past that,
// or when the lines do not form one JSON document, they are taken one by one as NDJSON.

/**
 * The lines of the input, except that an input whose first line is an incomplete JSON object
 * and whose lines together form one JSON document (a pretty-printed event) is yielded whole, as
 * line 1. Otherwise every line is yielded as it is, so a broken first line loses nothing else.
 */
async function* documents(input: NodeJS.ReadableStream): AsyncGenerator<Line> {
  const lines = readLines(input);
  let first = true;
  for await (const line of lines) {
    const text = line.text.trim();
    if (!first || text === '') {
      yield line;
      continue;
    }
    first = false;
    if (line.tooLong || !text.startsWith('{') || parseJsonText(text, 'line').kind === 'json') {
      yield line;
      continue;
    }
    const held: Line[] = [line];
    let size = line.text.length;
    let overflow = false;
    for await (const more of lines) {
      if (overflow) {
        yield more;
        continue;
      }
      held.push(more);
      size += more.text.length + 1;
      if (more.tooLong || size > BODY_LIMIT_BYTES) {
        overflow = true;
        yield* held;
      }
    }
    if (overflow) return;
    const whole = held.map((l) => l.text).join('\n');
    if (parseJsonText(whole, 'document').kind === 'json')
      yield { number: line.number, text: whole, tooLong: false };
    else yield* held;
    return;
  }
}
