import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.ts';
import { startHttpServer } from '../../src/ingress/server.ts';
import { META_KEYS, setMeta } from '../../src/store/meta.ts';
import { loadFixture } from './fixtures.ts';
import { type Harness, postStripe, startHarness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('healthz', () => {
  it('reports the backlog and the age of the oldest pending event', async () => {
    const clock = manualClock(1_800_000_000_000);
    h = await startHarness({}, { clock });
    clock.set(Math.floor(Date.now() / 1000) * 1000);
    const start = clock.now();
    await postStripe(h.url, loadFixture('pi-failed-charges-list.json').raw);
    await postStripe(h.url, loadFixture('customer-discount-created-ignored.json').raw);
    clock.set(start + 42_000);
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ok: true,
      database: 'ok',
      inboxBacklog: 1,
      oldestPendingAgeSeconds: 42,
      slack: 'not configured',
      smtp: 'not configured',
      problems: [],
    });
  });

  it('says ok for a configured service with no fault seen', async () => {
    h = await startHarness({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_CHANNEL: 'C1',
      SMTP_URL: 'smtp://127.0.0.1:2525',
    });
    expect(await (await fetch(`${h.url}/healthz`)).json()).toMatchObject({
      ok: true,
      slack: 'ok',
      smtp: 'ok',
    });
  });

  it('shows a slack configuration fault with ok false and status 200', async () => {
    h = await startHarness();
    setMeta(h.db, META_KEYS.slackConfigFault, { error: 'channel_not_found', at: 1 }, 1);
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      ok: false,
      slack: { error: 'channel_not_found' },
      problems: ['slack: channel_not_found'],
    });
  });

  it('adds the daemon facts and problems', async () => {
    h = await startHarness({}, { health: () => ({ worker: 'running', problems: ['scheduler stalled'] }) });
    const body = await (await fetch(`${h.url}/healthz`)).json();
    expect(body).toMatchObject({ ok: false, worker: 'running', problems: ['scheduler stalled'] });
  });

  it('answers 503 when the database is unreachable', async () => {
    h = await startHarness();
    const server = await startHttpServer({ ...h.deps, config: { ...h.deps.config, port: 0 } });
    h.db.close();
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, database: expect.stringContaining('unreachable') });
    await server.close();
  });
});

describe('metrics', () => {
  it('serves the registry with its content type', async () => {
    h = await startHarness();
    await postStripe(h.url, loadFixture('invoice-paid.json').raw);
    const res = await fetch(`${h.url}/metrics`);
    expect(res.headers.get('content-type')).toBe(h.deps.metrics.registry.contentType);
    const text = await res.text();
    expect(text).toContain('billing_agent_events_received_total{route="stripe",outcome="stored"} 1');
    expect(text).toContain('billing_agent_inbox_backlog 1');
  });
});

describe('server', () => {
  it('closes while a client keeps a connection open', async () => {
    h = await startHarness();
    const res = await fetch(`${h.url}/healthz`, { keepalive: true });
    expect(res.status).toBe(200);
    await h.close();
    h = undefined;
  });
});
