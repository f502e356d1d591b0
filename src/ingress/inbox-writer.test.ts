import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../store/db.ts';
import type { NewInboxRow } from '../store/inbox.ts';
import { InboxWriter } from './inbox-writer.ts';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'writer-'));
  db = openDatabase(join(dir, 'w.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (key: string): NewInboxRow => ({
  dedupKey: key,
  status: 'pending',
  transport: 'stripe',
  raw: key,
});

describe('InboxWriter', () => {
  it('commits rows queued in the same turn together, in order', async () => {
    const writer = new InboxWriter(db);
    const outcomes = await Promise.all([
      writer.write(row('a'), 1),
      writer.write(row('b'), 2),
      writer.write(row('a'), 3),
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['stored', 'stored', 'duplicate']);
    expect(outcomes[2]!.id).toBe(outcomes[0]!.id);
    expect(db.prepare('SELECT dedup_key, deliveries, received_at FROM inbox ORDER BY id').all()).toEqual([
      { dedup_key: 'a', deliveries: 2, received_at: 1 },
      { dedup_key: 'b', deliveries: 1, received_at: 2 },
    ]);
  });

  it('shares one transaction: a row that cannot be written takes its batch with it', async () => {
    const writer = new InboxWriter(db);
    const bad = { ...row('bad'), raw: null } as unknown as NewInboxRow;
    const results = await Promise.allSettled([writer.write(row('a'), 1), writer.write(bad, 1)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM inbox').get()).toEqual({ n: 0 });
  });

  it('fails every row of a commit that fails and stores none', async () => {
    const writer = new InboxWriter(db);
    db.pragma('query_only = ON');
    const results = await Promise.allSettled([writer.write(row('a'), 1), writer.write(row('b'), 1)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    db.pragma('query_only = OFF');
    expect(db.prepare('SELECT COUNT(*) AS n FROM inbox').get()).toEqual({ n: 0 });
    await expect(writer.write(row('c'), 1)).resolves.toMatchObject({ outcome: 'stored' });
  });

  it('writes rows queued in later turns in later commits', async () => {
    const writer = new InboxWriter(db);
    await writer.write(row('a'), 1);
    await writer.write(row('b'), 1);
    expect(db.prepare('SELECT COUNT(*) AS n FROM inbox').get()).toEqual({ n: 2 });
  });
});
