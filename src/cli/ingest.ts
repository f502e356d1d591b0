/**
 * `billing-agent ingest [FILE|-] [--db PATH]`: stores events from a file or stdin: NDJSON as
 * written by `kite stream --json >> events.ndjson`, or one JSON document as piped by
 * `kite stream --exec`. Each line is a structured CloudEvent or a bare Stripe event.
 */
import { createReadStream, statSync } from 'node:fs';
import { systemClock } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { UsageError } from '../errors.ts';
import { StorageError } from '../ingress/accept.ts';
import { type IngestCounts, ingestStream } from '../ingress/ingest-lines.ts';
import { makeLogger } from '../log.ts';
import { makeMetrics } from '../metrics.ts';
import { openDatabase } from '../store/db.ts';
import { type Command, parseFlags } from './io.ts';

const USAGE = `billing-agent ingest [FILE|-] [--db PATH]

Stores every event of FILE (or stdin, with - or no FILE) in the inbox, each committed before
the next is read. Input: NDJSON lines (kite stream --json), or one JSON document
(kite stream --exec). Each line is a structured CloudEvent or a Stripe event (object "event").
Prints the counts: stored, duplicate, ignored, rejected (stored with its reason: a well-formed
event the agent cannot use) and invalid (not an event at all: nothing stored), and the line
number and reason of every rejected or invalid line.

Exit status: 0 when every line is committed (stored, duplicate, ignored or rejected);
1 when a line was invalid, a file could not be read or the inbox could not be written
(the lines before it are committed); 2 on bad arguments. Log lines go to stderr at error
level unless LOG_LEVEL is set.`;

export const command: Command = {
  summary: 'store events from an NDJSON file or stdin (kite stream --json / --exec)',
  usage: USAGE,
  async main(args, io) {
    const { values, positionals } = parseFlags(args, { db: { type: 'string' } }, true);
    if (positionals.length > 1) throw new UsageError('give at most one FILE');
    const file = positionals[0] ?? '-';
    const config = loadConfig({ db: values.db }, io.env);
    const log = makeLogger({
      // The summary already names every bad line; the per-line warnings would say it twice.
      level: io.env.LOG_LEVEL ? config.logLevel : 'error',
      destination: { write: (line: string) => void io.stderr.write(line) },
    });
    if (file !== '-' && !isReadableFile(file)) {
      io.stderr.write(`billing-agent ingest: cannot read ${file}\n`);
      return 1;
    }
    const input = file === '-' ? io.stdin : createReadStream(file);
    const db = openDatabase(config.databasePath);
    try {
      const counts = await ingestStream(
        { db, config, log, metrics: makeMetrics(), clock: systemClock },
        input,
        'file',
      );
      io.stdout.write(renderCounts(counts));
      return counts.invalid > 0 ? 1 : 0;
    } catch (error) {
      if (error instanceof StorageError) {
        io.stderr.write(
          `billing-agent ingest: inbox write failed (${error.code ?? 'unknown'}); earlier lines are committed\n`,
        );
        return 1;
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
        io.stderr.write(`billing-agent ingest: cannot read ${file}: ${code}\n`);
        return 1;
      }
      throw error;
    } finally {
      db.close();
    }
  },
};

function isReadableFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The summary printed after a run. */
export function renderCounts(counts: IngestCounts): string {
  const lines = [
    `stored ${counts.stored}, duplicate ${counts.duplicate}, ignored ${counts.ignored}, ` +
      `rejected ${counts.rejected}, invalid ${counts.invalid} (${counts.lines} lines)`,
    ...counts.problems.map(
      (p) => `line ${p.line}: ${p.stored ? 'rejected' : 'invalid, not stored'}: ${p.reason}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
