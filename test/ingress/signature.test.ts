import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.ts';
import { loadFixture } from './fixtures.ts';
import { type Harness, postStripe, signHeader, startHarness, TEST_SECRET } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const fixture = loadFixture('pi-failed-charges-list.json');
const now = () => Math.floor(Date.now() / 1000);

async function expectRefused(res: Response, error: string, rowsBefore = 0) {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  expect(await res.json()).toMatchObject({ error });
  expect(h!.rows()).toHaveLength(rowsBefore);
}

describe('stripe signature', () => {
  it('verifies the raw bytes of a body that re-serialising would change', async () => {
    h = await startHarness();
    const raw = loadFixture('pi-failed-raw-body.json').raw;
    expect(JSON.stringify(JSON.parse(raw))).not.toBe(raw);
    const res = await postStripe(h.url, raw);
    expect(res.status).toBe(200);
    const row = h.rows()[0]!;
    expect(row.raw.toString('utf8')).toBe(raw);
    expect(JSON.parse(row.event_json!).data.object.metadata.note).toBe('café / résumé');
  });

  it('refuses a tampered body', async () => {
    h = await startHarness();
    const header = signHeader(fixture.raw);
    await expectRefused(
      await postStripe(h.url, fixture.raw.replace('2000', '2001'), header),
      'bad_signature',
    );
    expect(h.logs.some((l) => String(l.reason).startsWith('rejected: bad signature'))).toBe(true);
  });

  it('refuses a stale timestamp', async () => {
    h = await startHarness();
    await expectRefused(
      await postStripe(h.url, fixture.raw, signHeader(fixture.raw, TEST_SECRET, now() - 301)),
      'bad_signature',
    );
  });

  it('refuses a signature made with another secret', async () => {
    h = await startHarness();
    await expectRefused(
      await postStripe(h.url, fixture.raw, signHeader(fixture.raw, 'whsec_other')),
      'bad_signature',
    );
  });

  it('refuses a delivery without a signature header', async () => {
    h = await startHarness();
    await expectRefused(await postStripe(h.url, fixture.raw, null), 'missing_signature');
  });

  it('refuses a v0-only signature', async () => {
    h = await startHarness();
    const v1 = signHeader(fixture.raw);
    const v0 = v1.replace('v1=', 'v0=');
    await expectRefused(await postStripe(h.url, fixture.raw, v0), 'bad_signature');
  });

  it('refuses every delivery when no secret is configured', async () => {
    h = await startHarness({ STRIPE_WEBHOOK_SECRET: '' });
    await expectRefused(await postStripe(h.url, fixture.raw), 'not_configured');
    expect(h.logs.some((l) => l.reason === 'STRIPE_WEBHOOK_SECRET is not set')).toBe(true);
  });

  it('accepts any of several secrets while one is rolled', async () => {
    h = await startHarness({ STRIPE_WEBHOOK_SECRET: `whsec_old_one, ${TEST_SECRET}` });
    expect((await postStripe(h.url, fixture.raw)).status).toBe(200);
    const other = loadFixture('invoice-paid.json').raw;
    expect((await postStripe(h.url, other, signHeader(other, 'whsec_old_one'))).status).toBe(200);
    expect(h.rows()).toHaveLength(2);
  });

  it('measures the tolerance on the injected clock', async () => {
    const signedAt = 1_700_000_000;
    const clock = manualClock(signedAt * 1000 + 299_000);
    h = await startHarness({}, { clock });
    expect(
      (await postStripe(h.url, fixture.raw, signHeader(fixture.raw, TEST_SECRET, signedAt))).status,
    ).toBe(200);
    clock.advance(2_000);
    const other = loadFixture('invoice-paid.json').raw;
    await expectRefused(
      await postStripe(h.url, other, signHeader(other, TEST_SECRET, signedAt)),
      'bad_signature',
      1,
    );
  });

  it('refuses a thin event with a clear message', async () => {
    h = await startHarness();
    const raw = loadFixture('thin-event.json').raw;
    const res = await postStripe(h.url, raw);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'thin_event',
      reason: expect.stringContaining('v2.core.event'),
    });
    expect(h.rows()).toHaveLength(0);
  });
});
