/**
 * The database unavailable: locked by another connection holding `BEGIN EXCLUSIVE` (the real
 * daemon as a child process), or full (`PRAGMA max_page_count` at the current size on the
 * ingress's own connection, a portable stand-in for a full disk). Webhooks get 503 with
 * `Retry-After`, nothing is half-written, and the redelivery once the database is back is stored
 * exactly once.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startHttpServer } from '../../src/ingress/server.ts';
import { silentLogger } from '../../src/log.ts';
import { makeMetrics } from '../../src/metrics.ts';
import { openDatabase } from '../../src/store/db.ts';
import { systemClock } from '../../src/clock.ts';
import {
  daemonEnv,
  type Fakes,
  KITE_TOKEN,
  query,
  type RunningDaemon,
  seedPayment,
  startDaemon,
  startFakes,
  workDir,
} from './harness.ts';

async function deliver(webhook: string, event: { id: string; type: string }) {
  const response = await fetch(webhook, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': event.id,
      'ce-source': 'https://hooks.getkite.sh/x/stripe',
      'ce-type': `com.stripe.${event.type}`,
    },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(15_000),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: await response.json(),
  };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('database unavailable', () => {
  it('locked by another connection: 503 with Retry-After, nothing written, then stored once', async () => {
    const fakes: Fakes = await startFakes();
    cleanup.push(() => fakes.close());
    const paths = workDir();
    const daemon: RunningDaemon = await startDaemon(paths, daemonEnv(fakes, paths.dir));
    cleanup.push(async () => void (await daemon.kill()));
    const event = seedPayment(fakes.stripe, 'pi_locked');

    const locker = new Database(paths.dbPath);
    locker.exec('BEGIN EXCLUSIVE');
    let answer: Awaited<ReturnType<typeof deliver>>;
    try {
      answer = await deliver(daemon.webhook, event);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    expect(answer.status).toBe(503);
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    expect(answer.body).toMatchObject({ error: 'storage_unavailable' });
    expect(query(paths.dbPath, 'SELECT id FROM inbox WHERE stripe_event_id = ?', event.id)).toHaveLength(0);

    const again = await deliver(daemon.webhook, event);
    expect(again.status).toBe(200);
    expect(query(paths.dbPath, 'SELECT id FROM inbox WHERE stripe_event_id = ?', event.id)).toHaveLength(1);
    expect(await daemon.stop()).toBe(0);
    const [check] = query<{ integrity_check: string }>(paths.dbPath, 'PRAGMA integrity_check');
    expect(check!.integrity_check).toBe('ok');
  }, 40_000);

  it('full (max_page_count reached): 503 with Retry-After, no partial row, then stored once', async () => {
    const fakes: Fakes = await startFakes();
    cleanup.push(() => fakes.close());
    const paths = workDir();
    const db = openDatabase(paths.dbPath);
    const config = loadConfig({}, { HOST: '127.0.0.1', PORT: '0', KITE_TOKEN });
    const server = await startHttpServer({
      db,
      config,
      log: silentLogger,
      metrics: makeMetrics(),
      clock: systemClock,
    });
    cleanup.push(async () => {
      await server.close();
      db.close();
    });
    const webhook = `${server.url}/webhook/${KITE_TOKEN}`;
    const event = {
      ...seedPayment(fakes.stripe, 'pi_full'),
      padding: 'x'.repeat(64 * 1024),
    };
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const full = await deliver(webhook, event);
    expect(full.status).toBe(503);
    expect(Number(full.retryAfter)).toBeGreaterThan(0);
    expect(db.prepare('SELECT count(*) AS n FROM inbox').get()).toEqual({ n: 0 });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

    db.pragma('max_page_count = 1073741823');
    expect((await deliver(webhook, event)).status).toBe(200);
    expect((await deliver(webhook, event)).status).toBe(200);
    expect(db.prepare('SELECT count(*) AS n FROM inbox WHERE stripe_event_id = ?').get(event.id)).toEqual({
      n: 1,
    });
  });
});
