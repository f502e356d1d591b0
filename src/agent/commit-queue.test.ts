import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/db.ts';
import { setMeta, getMeta } from '../store/meta.ts';
import { commitTx } from './commit-queue.ts';

describe('commitTx', () => {
  it('commits writes queued in one turn together and rolls a failing one back alone', async () => {
    const db = openDatabase(':memory:');
    const results = await Promise.allSettled([
      commitTx(db, () => setMeta(db, 'a', 1, 0)),
      commitTx(db, () => {
        setMeta(db, 'b', 2, 0);
        throw new Error('boom');
      }),
      commitTx(db, () => {
        setMeta(db, 'c', 3, 0);
        return 'done';
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect([getMeta(db, 'a'), getMeta(db, 'b'), getMeta(db, 'c')]).toEqual([1, undefined, 3]);
  });

  it('resolves only once the transaction is committed', async () => {
    const db = openDatabase(':memory:');
    const write = commitTx(db, () => setMeta(db, 'k', 'v', 0));
    expect(db.inTransaction).toBe(false);
    expect(getMeta(db, 'k')).toBeUndefined();
    await write;
    expect(getMeta(db, 'k')).toBe('v');
  });
});
