/**
 * Splits a byte stream into lines (`\n`, with an optional `\r` before it), byte-safe across
 * chunk boundaries, and bounds how long a line may grow: a longer one is reported, not kept.
 */
import { BODY_LIMIT_BYTES } from './body.ts';

/** One line: its 1-based number and its text, or `tooLong` when it passed the limit. */
export type Line = { number: number; text: string; tooLong: boolean };

/** Incremental splitter: feed chunks, get complete lines; `end()` flushes the last one. */
export class LineSplitter {
  #parts: Buffer[] = [];
  #size = 0;
  #tooLong = false;
  #number = 0;
  readonly #maxBytes: number;

  constructor(maxBytes = BODY_LIMIT_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** Lines completed by this chunk. */
  push(chunk: Buffer): Line[] {
    const lines: Line[] = [];
    let start = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, start)) {
      this.#append(chunk.subarray(start, i));
      lines.push(this.#take());
      start = i + 1;
    }
    this.#append(chunk.subarray(start));
    return lines;
  }

  /** The last line when the input did not end with a newline. */
  end(): Line | undefined {
    if (this.#size === 0 && !this.#tooLong) return undefined;
    return this.#take();
  }

  #append(part: Buffer) {
    if (part.length === 0 || this.#tooLong) return;
    if (this.#size + part.length > this.#maxBytes) {
      this.#tooLong = true;
      this.#parts = [];
      this.#size = 0;
      return;
    }
    this.#parts.push(Buffer.from(part));
    this.#size += part.length;
  }

  #take(): Line {
    let text = Buffer.concat(this.#parts).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const line = { number: ++this.#number, text, tooLong: this.#tooLong };
    this.#parts = [];
    this.#size = 0;
    this.#tooLong = false;
    return line;
  }
}

/** The lines of a readable stream, in order. */
export async function* readLines(
  input: NodeJS.ReadableStream,
  maxBytes = BODY_LIMIT_BYTES,
): AsyncGenerator<Line> {
  const splitter = new LineSplitter(maxBytes);
  for await (const chunk of input) {
    yield* splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  const last = splitter.end();
  if (last) yield last;
}
