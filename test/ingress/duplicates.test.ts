import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kiteRequest } from '../fakes/kite.ts';
import { loadFixture } from './fixtures.ts';
import { type Harness, postKite, postStripe, startHarness } from './harness.ts';

type Answer = { status: string; id: number };

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('duplicates', () => {
  it('stores an event sent five times once and counts the deliveries', async () => {
    const fixture = loadFixture('invoice-paid.json');
    const answers: Answer[] = [];
    for (let i = 0; i < 5; i++) answers.push((await (await postStripe(h.url, fixture.raw)).json()) as Answer);
    expect(answers.map((a) => a.status)).toEqual([
      'stored',
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    const rows = h.rows();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.deliveries).toBe(5);
    expect(h.logs.filter((l) => l.msg === 'duplicate, skipped')).toHaveLength(4);
  });

  it('stores five concurrent deliveries once', async () => {
    const fixture = loadFixture('pi-failed-charges-list.json');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        postStripe(h.url, fixture.raw).then((r) => r.json() as Promise<Answer>),
      ),
    );
    expect(answers.filter((a) => a.status === 'stored')).toHaveLength(1);
    expect(h.rows()).toHaveLength(1);
    expect(h.rows()[0]!.deliveries).toBe(5);
  });

  it('stores one row for the same event through kite and through stripe', async () => {
    const fixture = loadFixture('pi-failed-charges-list.json');
    const proxy = kiteRequest('proxy', fixture.value);
    // Kite may give a redelivery a new CloudEvent id: dedup is on the Stripe event id.
    const replay = kiteRequest('replay', fixture.value, { id: 'another-ce-id' });
    const structured = kiteRequest('structured', fixture.value, { id: 'third-ce-id' });
    const status = async (res: Promise<Response>) => ((await (await res).json()) as Answer).status;
    const statuses = [
      await status(postKite(h.url, proxy.body, proxy.headers)),
      await status(postStripe(h.url, fixture.raw)),
      await status(postKite(h.url, replay.body, replay.headers)),
      await status(postKite(h.url, structured.body, structured.headers)),
      await status(postStripe(h.url, fixture.raw)),
    ];
    expect(statuses).toEqual(['stored', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(h.rows()).toHaveLength(1);
    expect(h.rows()[0]).toMatchObject({ transport: 'kite-http', deliveries: 5 });
  });

  it('stores one row for the same event id in two api versions', async () => {
    const old = loadFixture('pi-failed-charges-list.json');
    const current = loadFixture('pi-failed-latest-charge.json');
    expect(old.value.id).toBe(current.value.id);
    expect(((await (await postStripe(h.url, old.raw)).json()) as Answer).status).toBe('stored');
    expect(((await (await postStripe(h.url, current.raw)).json()) as Answer).status).toBe('duplicate');
    const rows = h.rows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ api_version: '2020-08-27', deliveries: 2 });
  });

  it('keeps two different events of one payment attempt as two rows', async () => {
    // Same request.idempotency_key: one attempt, two events; counting attempts is the agent's job.
    await postStripe(h.url, loadFixture('pi-failed-charges-list.json').raw);
    await postStripe(h.url, loadFixture('charge-failed-same-request.json').raw);
    expect(h.rows().map((r) => r.type)).toEqual(['payment_intent.payment_failed', 'charge.failed']);
  });

  it('counts a duplicate in the metrics', async () => {
    const fixture = loadFixture('invoice-paid.json');
    await postStripe(h.url, fixture.raw);
    await postStripe(h.url, fixture.raw);
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toContain('billing_agent_events_received_total{route="stripe",outcome="stored"} 1');
    expect(text).toContain('billing_agent_events_received_total{route="stripe",outcome="duplicate"} 1');
  });
});
