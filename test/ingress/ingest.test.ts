import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { ingestStream } from '../../src/ingress/ingest-lines.ts';
import { openDatabase } from '../../src/store/db.ts';
import type { InboxRow } from '../../src/store/inbox.ts';
import { kiteLine } from '../fakes/kite.ts';
import { loadFixture } from './fixtures.ts';
import { makeDeps } from './harness.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ingest-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const failed = loadFixture('pi-failed-charges-list.json');
const paid = loadFixture('invoice-paid.json');
const ignored = loadFixture('customer-discount-created-ignored.json');

function rowsOf(path: string): InboxRow[] {
  const db = openDatabase(path);
  try {
    return db.prepare('SELECT * FROM inbox ORDER BY id').all() as InboxRow[];
  } finally {
    db.close();
  }
}

async function runCli(args: string[], stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    ({
      write(s: string) {
        into.push(s);
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const code = await main(['ingest', ...args], {
    stdout: sink(out),
    stderr: sink(err),
    stdin: Readable.from([stdin]),
    env: {},
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('ingestStream', () => {
  it('stores ndjson cloudevents and bare stripe events with transport file', async () => {
    const db = openDatabase(join(dir, 'a.db'));
    const deps = makeDeps(db, {});
    const text = [
      kiteLine(failed.value, { seq: 3 }),
      '',
      JSON.stringify(paid.value),
      kiteLine(failed.value),
      '',
    ].join('\n');
    const counts = await ingestStream(deps, Readable.from([text]), 'file');
    expect(counts).toMatchObject({ lines: 3, stored: 2, duplicate: 1, ignored: 0, rejected: 0, invalid: 0 });
    const rows = db.prepare('SELECT transport, kite_seq, type FROM inbox ORDER BY id').all();
    expect(rows).toEqual([
      { transport: 'file', kite_seq: 3, type: 'payment_intent.payment_failed' },
      { transport: 'file', kite_seq: null, type: 'invoice.paid' },
    ]);
    db.close();
  });

  it('splits lines across chunk boundaries and multibyte characters', async () => {
    const db = openDatabase(join(dir, 'b.db'));
    const raw = Buffer.from(
      `${JSON.stringify({ ...paid.value, note: 'café 日本' })}\r\n${kiteLine(failed.value)}`,
    );
    const chunks = Array.from({ length: Math.ceil(raw.length / 7) }, (_, i) =>
      raw.subarray(i * 7, i * 7 + 7),
    );
    const counts = await ingestStream(makeDeps(db, {}), Readable.from(chunks), 'file');
    expect(counts).toMatchObject({ stored: 2, invalid: 0 });
    expect(
      JSON.parse((db.prepare('SELECT event_json FROM inbox WHERE id = 1').get() as InboxRow).event_json!)
        .note,
    ).toBe('café 日本');
    db.close();
  });

  it('reads one pretty-printed document whole', async () => {
    const db = openDatabase(join(dir, 'c.db'));
    const counts = await ingestStream(
      makeDeps(db, {}),
      Readable.from([loadFixture('pi-failed-raw-body.json').raw]),
    );
    expect(counts).toMatchObject({ lines: 1, stored: 1 });
    db.close();
  });

  it('keeps the good lines when the first line is broken', async () => {
    const db = openDatabase(join(dir, 'e.db'));
    const text = [`{"id": "evt_cut`, kiteLine(failed.value), JSON.stringify(paid.value)].join('\n');
    const counts = await ingestStream(makeDeps(db, {}), Readable.from([text]));
    expect(counts).toMatchObject({ lines: 3, stored: 2, invalid: 1 });
    expect(counts.problems).toEqual([{ line: 1, reason: 'line is not JSON', stored: false }]);
    db.close();
  });

  it('reports each bad line with its number and why', async () => {
    const db = openDatabase(join(dir, 'd.db'));
    const text = [
      'not json',
      JSON.stringify({ ...failed.value, created: 'x' }),
      '[1]',
      JSON.stringify(ignored.value),
    ].join('\n');
    const counts = await ingestStream(makeDeps(db, {}), Readable.from([text]));
    expect(counts).toMatchObject({ lines: 4, stored: 0, ignored: 1, rejected: 1, invalid: 2 });
    expect(counts.problems).toEqual([
      { line: 1, reason: 'line is not JSON', stored: false },
      { line: 2, reason: expect.stringContaining('created'), stored: true },
      { line: 3, reason: 'body is not a JSON object', stored: false },
    ]);
    db.close();
  });
});

describe('billing-agent ingest', () => {
  it('stores a file and prints the counts', async () => {
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, `${kiteLine(failed.value)}\n${kiteLine(paid.value)}\n${kiteLine(ignored.value)}\n`);
    const dbPath = join(dir, 'cli.db');
    const res = await runCli([file, '--db', dbPath]);
    expect(res).toMatchObject({
      code: 0,
      stdout: 'stored 2, duplicate 0, ignored 1, rejected 0, invalid 0 (3 lines)\n',
    });
    expect(rowsOf(dbPath).map((r) => r.status)).toEqual(['pending', 'pending', 'ignored']);
    const again = await runCli([file, '--db', dbPath]);
    expect(again.stdout).toContain('stored 0, duplicate 3');
  });

  it('reads one document from stdin as kite stream --exec pipes it', async () => {
    const dbPath = join(dir, 'stdin.db');
    const res = await runCli(['-', '--db', dbPath], kiteLine(failed.value));
    expect(res.code).toBe(0);
    expect(rowsOf(dbPath)).toHaveLength(1);
  });

  it('exits 1 and names the line when a line is not an event', async () => {
    const dbPath = join(dir, 'bad.db');
    const res = await runCli(['--db', dbPath], `${kiteLine(failed.value)}\n{"hello":1}\n`);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('line 2: invalid, not stored: not a Stripe event');
    expect(rowsOf(dbPath)).toHaveLength(1);
  });

  it('exits 0 when a line is stored as rejected', async () => {
    const dbPath = join(dir, 'rejected.db');
    const res = await runCli(['--db', dbPath], JSON.stringify({ ...failed.value, data: null }));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('line 1: rejected: invalid Stripe event: data');
  });

  it('exits 2 on bad arguments', async () => {
    expect((await runCli(['a', 'b'])).code).toBe(2);
    expect((await runCli(['--nope'])).code).toBe(2);
  });

  it('exits 1 when the file cannot be read', async () => {
    const res = await runCli([join(dir, 'missing.ndjson'), '--db', join(dir, 'x.db')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('cannot read');
  });
});

describe('ingest from a live stream', () => {
  it('commits each line before the stream ends', async () => {
    const db = openDatabase(join(dir, 'live.db'));
    const input = new PassThrough();
    const done = ingestStream(makeDeps(db, {}), input, 'file');
    input.write(`${kiteLine(failed.value)}\n`);
    await new Promise((r) => setTimeout(r, 50));
    expect(db.prepare('SELECT COUNT(*) AS n FROM inbox').get()).toEqual({ n: 1 });
    input.end();
    await done;
    db.close();
  });
});
