import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectedObjectKind } from '../../src/ingress/event-types.ts';
import { KITE_SHAPES, KITE_SOURCE, kiteRequest } from '../fakes/kite.ts';
import { loadFixture, objectOf, ownEventFixtures } from './fixtures.ts';
import { type Harness, postKite, postStripe, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const fixtures = ownEventFixtures();

describe('every own fixture through every route', () => {
  for (const fixture of fixtures) {
    const type = String(fixture.value.type);
    const handled = expectedObjectKind(type) !== undefined;
    for (const shape of KITE_SHAPES) {
      it(`stores ${fixture.name} sent by kite as ${shape}`, async () => {
        const { headers, body } = kiteRequest(shape, fixture.value, { seq: 7 });
        const res = await postKite(h.url, body, headers);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ status: handled ? 'stored' : 'ignored', id: 1 });
        const rows = h.rows();
        expect(rows).toHaveLength(1);
        const row = rows[0]!;
        expect(row).toMatchObject({
          dedup_key: fixture.value.id,
          stripe_event_id: fixture.value.id,
          type,
          status: handled ? 'pending' : 'ignored',
          transport: 'kite-http',
          kite_source: KITE_SOURCE,
          api_version: (fixture.value.api_version as string | undefined) ?? null,
          stripe_created: fixture.value.created,
          object_id: objectOf(fixture).id,
          object_type: objectOf(fixture).object,
          deliveries: 1,
        });
        expect(row.kite_seq).toBe(shape === 'proxy' ? null : 7);
        expect(JSON.parse(row.event_json!)).toEqual(fixture.value);
        expect(row.raw.toString('utf8')).toBe(body);
        // Nothing but the ingress exists here: the answer came before any agent work.
        expect(h.db.prepare('SELECT COUNT(*) AS n FROM cases').get()).toEqual({ n: 0 });
        expect(row.processed_at).toBeNull();
      });
    }
    it(`stores ${fixture.name} signed by stripe`, async () => {
      const res = await postStripe(h.url, fixture.raw);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: handled ? 'stored' : 'ignored' });
      const rows = h.rows();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        dedup_key: fixture.value.id,
        type,
        transport: 'stripe',
        kite_id: null,
        api_version: (fixture.value.api_version as string | undefined) ?? null,
        object_id: objectOf(fixture).id,
      });
      expect(rows[0]!.raw.toString('utf8')).toBe(fixture.raw);
    });
  }
});

describe('kite data that is not a whole event', () => {
  for (const shape of KITE_SHAPES) {
    it(`synthesises an envelope for a bare payment intent sent as ${shape}`, async () => {
      const bare = loadFixture('bare-payment-intent.json').value;
      const { headers, body } = kiteRequest(shape, bare, {
        type: 'com.stripe.payment_intent.payment_failed',
        id: 'ce-bare-1',
      });
      const res = await postKite(h.url, body, headers);
      expect(await res.json()).toMatchObject({ status: 'stored' });
      const row = h.rows()[0]!;
      expect(row).toMatchObject({
        dedup_key: `ce:${KITE_SOURCE}:ce-bare-1`,
        stripe_event_id: null,
        type: 'payment_intent.payment_failed',
        status: 'pending',
        object_id: 'pi_test_bare_1',
        object_type: 'payment_intent',
      });
      expect(JSON.parse(row.event_json!).data.object).toEqual(bare);
      expect(h.logs.some((l) => l.level === 40 && String(l.msg).includes('bare Stripe object'))).toBe(true);
    });
  }

  it('reads data given as the original body text', async () => {
    const fixture = loadFixture('pi-failed-raw-body.json');
    const envelope = { ...JSON.parse(kiteRequest('replay', fixture.value).body), data: fixture.raw };
    const res = await postKite(h.url, JSON.stringify(envelope), { 'content-type': 'application/json' });
    expect(await res.json()).toMatchObject({ status: 'stored' });
    expect(h.rows()[0]).toMatchObject({ dedup_key: 'evt_test_rawbody_1', object_id: 'pi_test_rawbody_1' });
  });

  it('synthesises an envelope around an event data part', async () => {
    const dataPart = loadFixture('invoice-failed-data-only.json').value;
    const { headers, body } = kiteRequest('replay', dataPart, { type: 'com.stripe.invoice.payment_failed' });
    const res = await postKite(h.url, body, headers);
    expect(await res.json()).toMatchObject({ status: 'stored' });
    expect(h.rows()[0]).toMatchObject({
      type: 'invoice.payment_failed',
      object_id: 'in_test_data_only',
      status: 'pending',
    });
  });

  it('stores a thin event from kite as rejected so kite does not stall', async () => {
    const thin = loadFixture('thin-event.json').value;
    const { headers, body } = kiteRequest('proxy', thin, {
      type: 'com.stripe.v1.payment_intent.payment_failed',
    });
    const res = await postKite(h.url, body, headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'rejected', reason: expect.stringContaining('thin') });
    expect(h.rows()[0]).toMatchObject({ status: 'rejected', stripe_event_id: 'evt_test_thin_1' });
  });
});

describe('routing on the full type', () => {
  it('keeps a customer.subscription.updated as a subscription event', async () => {
    const fixture = loadFixture('customer-subscription-updated.json');
    await postStripe(h.url, fixture.raw);
    expect(h.rows()[0]).toMatchObject({
      type: 'customer.subscription.updated',
      object_type: 'subscription',
      object_id: 'sub_test_route_1',
      status: 'pending',
    });
  });

  it('rejects a customer.updated whose object is a subscription', async () => {
    const value = { ...loadFixture('customer-subscription-updated.json').value, type: 'customer.updated' };
    const res = await postStripe(h.url, JSON.stringify(value));
    expect(await res.json()).toMatchObject({
      status: 'rejected',
      reason: 'customer.updated carries a subscription, expected a customer',
    });
  });

  it('ignores an unhandled type with a logged reason', async () => {
    const fixture = loadFixture('customer-discount-created-ignored.json');
    const res = await postStripe(h.url, fixture.raw);
    expect(await res.json()).toMatchObject({
      status: 'ignored',
      reason: 'ignored: customer.discount.created',
    });
    expect(
      h.logs.some((l) => l.msg === 'event ignored' && l.reason === 'ignored: customer.discount.created'),
    ).toBe(true);
  });
});
