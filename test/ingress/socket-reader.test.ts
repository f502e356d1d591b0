import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSocketReader } from '../../src/ingress/socket-reader.ts';
import { type Db, openDatabase } from '../../src/store/db.ts';
import { kiteLine } from '../fakes/kite.ts';
import { loadFixture } from './fixtures.ts';
import { makeDeps } from './harness.ts';

let dir: string;
let db: Db;
let server: Server | undefined;
const clients: Socket[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sock-'));
  db = openDatabase(join(dir, 'test.db'));
});
afterEach(async () => {
  for (const c of clients) c.destroy();
  clients.length = 0;
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const failed = loadFixture('pi-failed-charges-list.json').value;
const paid = loadFixture('invoice-paid.json').value;
const RETRY = { initialMs: 10, maxMs: 40, storeAttempts: 5 };

/** Kite's side: a Unix socket server that hands every client to `onClient`. */
function listenKite(path: string): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer((c) => clients.push(c));
    s.listen(path, () => resolve(s));
  });
}

async function until(check: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const count = () => (db.prepare('SELECT COUNT(*) AS n FROM inbox').get() as { n: number }).n;

describe('kite socket reader', () => {
  it('stores each ndjson line with transport socket', async () => {
    const path = join(dir, 'kite.sock');
    server = await listenKite(path);
    const deps = makeDeps(db, {});
    const reader = startSocketReader({ ...deps, path, retry: RETRY });
    await until(() => clients.length === 1);
    const line = kiteLine(failed, { seq: 9 });
    clients[0]!.write(`${line.slice(0, 40)}`);
    clients[0]!.write(`${line.slice(40)}\n${kiteLine(paid)}\nnot json\n`);
    await until(() => count() === 2);
    expect(db.prepare('SELECT transport, kite_seq FROM inbox ORDER BY id').all()).toEqual([
      { transport: 'socket', kite_seq: 9 },
      { transport: 'socket', kite_seq: 1 },
    ]);
    await until(() => deps.logs.some((l) => l.msg === 'socket line not stored: not an event'));
    expect(deps.logs.some((l) => String(l.msg).includes('at most once'))).toBe(true);
    await reader.stop();
  });

  it('keeps trying until the socket exists and reconnects after kite restarts', async () => {
    const path = join(dir, 'later.sock');
    const deps = makeDeps(db, {});
    const reader = startSocketReader({ ...deps, path, retry: RETRY });
    await new Promise((r) => setTimeout(r, 50));
    server = await listenKite(path);
    await until(() => clients.length === 1);
    clients[0]!.end(`${kiteLine(failed)}\n`);
    await until(() => count() === 1);
    await new Promise((r) => server!.close(r));
    server = await listenKite(path);
    await until(() => clients.length === 2);
    clients[1]!.write(`${kiteLine(paid)}\n`);
    await until(() => count() === 2);
    await reader.stop();
  });

  it('holds a line while the inbox cannot be written and stores it after', async () => {
    const path = join(dir, 'busy.sock');
    server = await listenKite(path);
    const deps = makeDeps(db, {});
    const reader = startSocketReader({ ...deps, path, retry: RETRY });
    await until(() => clients.length === 1);
    db.pragma('query_only = ON');
    clients[0]!.write(`${kiteLine(failed)}\n`);
    await new Promise((r) => setTimeout(r, 30));
    expect(count()).toBe(0);
    db.pragma('query_only = OFF');
    await until(() => count() === 1);
    await reader.stop();
  });

  it('stops while the socket is absent', async () => {
    const reader = startSocketReader({ ...makeDeps(db, {}), path: join(dir, 'none.sock'), retry: RETRY });
    await new Promise((r) => setTimeout(r, 30));
    await reader.stop();
  });
});
