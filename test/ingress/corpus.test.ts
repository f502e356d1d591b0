/**
 * Runs every shared real payload (`../shared/fixtures/stripe`, beside the checkout) through
 * every Kite shape and as a signed Stripe delivery. Skipped, and says so, when the folder is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedObjectKind } from '../../src/ingress/event-types.ts';
import { KITE_SHAPES, kiteRequest } from '../fakes/kite.ts';
import { type Fixture, SHARED_FIXTURES_DIR, sharedFixtures } from './fixtures.ts';
import { type Harness, postKite, postStripe, startHarness } from './harness.ts';

const corpus = sharedFixtures();
if (!corpus) console.log(`shared fixture corpus not found at ${SHARED_FIXTURES_DIR}: corpus test skipped`);

// A named skipped test, so a run without the shared folder says so in its summary.
if (!corpus) {
  describe('shared fixture corpus', () => {
    it.skip(`is skipped: no folder at ${SHARED_FIXTURES_DIR}`, () => {});
  });
}

/** The Stripe type a file holds: its own, or the one its name gives for a payload without an envelope. */
function typeOf(fixture: Fixture): string {
  if (fixture.value.object === 'event') return String(fixture.value.type);
  const prefix = fixture.name.split('__')[0]!;
  return prefix === 'object.payment_intent' ? 'payment_intent.payment_failed' : prefix;
}

function objectOf(fixture: Fixture): { id?: string; object: string } {
  const v = fixture.value as Record<string, unknown>;
  if (v.object === 'event') return (v.data as { object: { id?: string; object: string } }).object;
  if (typeof v.object === 'object') return v.object as { id?: string; object: string };
  return v as { id?: string; object: string };
}

describe.skipIf(!corpus)(
  `shared fixture corpus (${corpus ? corpus.length : 'skipped: folder absent'})`,
  () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness();
    });
    afterAll(async () => {
      await h.close();
    });

    for (const fixture of corpus ?? []) {
      const type = typeOf(fixture);
      const isEvent = fixture.value.object === 'event';
      const status = expectedObjectKind(type) ? 'pending' : 'ignored';

      for (const shape of KITE_SHAPES) {
        it(`stores ${fixture.name} once through kite ${shape}`, async () => {
          h.db.exec('DELETE FROM inbox');
          const { headers, body } = kiteRequest(shape, fixture.value, { type: `com.stripe.${type}` });
          const res = await postKite(h.url, body, headers);
          expect(res.status).toBe(200);
          const again = await postKite(h.url, body, headers);
          expect(((await again.json()) as { status: string }).status).toBe('duplicate');
          const rows = h.rows();
          expect(rows).toHaveLength(1);
          expect(rows[0]).toMatchObject({
            type,
            status,
            object_id: objectOf(fixture).id ?? null,
            object_type: objectOf(fixture).object,
            api_version: (isEvent ? fixture.value.api_version : undefined) ?? null,
            deliveries: 2,
          });
        });
      }

      it(`handles ${fixture.name} signed by stripe`, async () => {
        h.db.exec('DELETE FROM inbox');
        const res = await postStripe(h.url, fixture.raw);
        if (!isEvent) {
          expect(res.status).toBe(400);
          expect(h.rows()).toHaveLength(0);
          return;
        }
        expect(res.status).toBe(200);
        expect(h.rows()).toHaveLength(1);
        expect(h.rows()[0]).toMatchObject({ type, status, dedup_key: fixture.value.id, transport: 'stripe' });
        expect(h.rows()[0]!.raw.toString('utf8')).toBe(fixture.raw);
      });
    }
  },
);
