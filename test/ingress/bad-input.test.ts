import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kiteEnvelope, kiteRequest } from '../fakes/kite.ts';
import { loadFixture } from './fixtures.ts';
import { type Harness, postKite, postStripe, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const JSON_TYPE = { 'content-type': 'application/json' };
const event = loadFixture('pi-failed-charges-list.json').value;

async function answer(res: Response) {
  expect(res.status < 300 || res.status >= 400).toBe(true);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('bad input on the kite route', () => {
  const refused: [string, string, Record<string, string>, number, string][] = [
    ['an empty body', '', JSON_TYPE, 400, 'not_an_event'],
    ['invalid json', '{"id": "evt_1",', JSON_TYPE, 400, 'invalid_json'],
    ['a json array', JSON.stringify([event]), JSON_TYPE, 400, 'not_an_event'],
    ['a json string', '"evt_1"', JSON_TYPE, 400, 'not_an_event'],
    ['an object of no known shape', '{"hello":"world"}', JSON_TYPE, 400, 'not_an_event'],
    [
      'a bare stripe object without an envelope',
      JSON.stringify({ id: 'pi_1', object: 'payment_intent' }),
      JSON_TYPE,
      400,
      'not_an_event',
    ],
    [
      'a form post',
      'a=1',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'unsupported_media_type',
    ],
    ['plain text', JSON.stringify(event), { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
    [
      'a cloudevents batch',
      JSON.stringify([kiteEnvelope(event)]),
      { 'content-type': 'application/cloudevents-batch+json' },
      415,
      'unsupported_media_type',
    ],
    [
      'a structured envelope without an id',
      JSON.stringify({ ...kiteEnvelope(event), id: '' }),
      JSON_TYPE,
      400,
      'invalid_cloudevent',
    ],
    [
      'a structured content type without specversion',
      JSON.stringify(event),
      { 'content-type': 'application/cloudevents+json' },
      400,
      'invalid_cloudevent',
    ],
    [
      'ce headers without a source',
      JSON.stringify(event),
      {
        ...JSON_TYPE,
        'ce-specversion': '1.0',
        'ce-id': 'x',
        'ce-type': 'com.stripe.payment_intent.payment_failed',
      },
      400,
      'invalid_cloudevent',
    ],
  ];
  for (const [what, body, headers, status, error] of refused) {
    it(`refuses ${what} with ${status} and stores nothing`, async () => {
      const res = await answer(await postKite(h.url, body, headers));
      expect(res).toMatchObject({ status, body: { error, reason: expect.any(String) } });
      expect(h.rows()).toHaveLength(0);
      expect(h.logs.some((l) => l.msg === 'refused' && l.error === error)).toBe(true);
    });
  }

  const storedAs: [string, () => { headers: Record<string, string>; body: string }, string, string][] = [
    [
      'a stripe event with a wrong field type',
      () => ({ headers: JSON_TYPE, body: JSON.stringify({ ...event, created: 'yesterday' }) }),
      'rejected',
      'created',
    ],
    [
      'a stripe event without data',
      () => ({ headers: JSON_TYPE, body: JSON.stringify({ ...event, data: undefined }) }),
      'rejected',
      'data',
    ],
    [
      'a cloudevent without data',
      () => kiteRequest('replay', undefined, { type: 'com.stripe.payment_intent.payment_failed' }),
      'rejected',
      'no data',
    ],
    [
      'a cloudevent whose data is a number',
      () => kiteRequest('structured', 42, { type: 'com.stripe.payment_intent.payment_failed' }),
      'rejected',
      'not a JSON object',
    ],
    [
      'a proxied body that is not json',
      () => ({ ...kiteRequest('proxy', event), body: '<xml/>' }),
      'rejected',
      'not JSON',
    ],
    [
      'a cloudevent type that does not match the event',
      () => kiteRequest('replay', event, { type: 'com.stripe.invoice.paid' }),
      'rejected',
      'does not match',
    ],
    [
      'a cloudevent of another source',
      () =>
        kiteRequest(
          'structured',
          { action: 'opened' },
          { type: 'com.github.pull_request.opened', source: 'https://getkite.sh/hooks/team_test/github' },
        ),
      'ignored',
      'ignored: com.github.pull_request.opened',
    ],
  ];
  for (const [what, build, status, reason] of storedAs) {
    it(`stores ${what} as ${status} and answers 200`, async () => {
      const { headers, body } = build();
      const res = await answer(await postKite(h.url, body, headers));
      expect(res).toMatchObject({ status: 200, body: { status, reason: expect.stringContaining(reason) } });
      expect(h.rows()).toHaveLength(1);
      expect(h.rows()[0]).toMatchObject({ status, reason: expect.stringContaining(reason) });
    });
  }

  it('stores a repeated unusable cloudevent once', async () => {
    const request = kiteRequest('structured', { action: 'opened' }, { type: 'com.github.push', id: 'gh-1' });
    await postKite(h.url, request.body, request.headers);
    const res = await answer(await postKite(h.url, request.body, request.headers));
    expect(res.body.status).toBe('duplicate');
    expect(h.rows()).toHaveLength(1);
  });

  it('logs a refusal that kite redelivers once at warn level', async () => {
    const headers = { ...JSON_TYPE, 'ce-specversion': '1.0', 'ce-id': 'poison-1', 'ce-type': 'com.stripe.x' };
    for (let i = 0; i < 3; i++) expect((await postKite(h.url, '{}', headers)).status).toBe(400);
    expect(h.logs.filter((l) => l.msg === 'refused' && l.level === 40)).toHaveLength(1);
    expect(h.logs.filter((l) => l.msg === 'refused again')).toHaveLength(2);
  });

  it('refuses a 2 MiB body with 413', async () => {
    const big = JSON.stringify({ ...event, padding: 'x'.repeat(2 * 1024 * 1024) });
    const res = await answer(await postKite(h.url, big, JSON_TYPE));
    expect(res).toMatchObject({ status: 413, body: { error: 'too_large' } });
    expect(h.rows()).toHaveLength(0);
  });
});

describe('bad input on the stripe route', () => {
  const signedRefusals: [string, string, number, string][] = [
    ['invalid json', '{"id":', 400, 'invalid_json'],
    ['a json array', '[1,2]', 400, 'not_an_event'],
    ['a bare stripe object', JSON.stringify({ id: 'pi_1', object: 'payment_intent' }), 400, 'not_an_event'],
  ];
  for (const [what, body, status, error] of signedRefusals) {
    it(`refuses signed ${what} with ${status}`, async () => {
      const res = await answer(await postStripe(h.url, body));
      expect(res).toMatchObject({ status, body: { error } });
      expect(h.rows()).toHaveLength(0);
    });
  }

  it('stores a signed event without data as rejected', async () => {
    const res = await answer(await postStripe(h.url, JSON.stringify({ ...event, data: undefined })));
    expect(res.body).toMatchObject({ status: 'rejected' });
  });

  it('refuses a signed empty body', async () => {
    const res = await answer(await postStripe(h.url, ''));
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
    expect(h.rows()).toHaveLength(0);
  });

  it('refuses a 2 MiB body with 413', async () => {
    const big = JSON.stringify({ ...event, padding: 'x'.repeat(2 * 1024 * 1024) });
    const res = await answer(await postStripe(h.url, big));
    expect(res).toMatchObject({ status: 413, body: { error: 'too_large' } });
  });
});

describe('other answers', () => {
  it('answers an unknown path with json 404', async () => {
    const res = await answer(await fetch(`${h.url}/nope`, { redirect: 'manual' }));
    expect(res).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('answers a get on the webhook with json 404, not a redirect', async () => {
    const res = await answer(await fetch(`${h.url}/webhook`, { redirect: 'manual' }));
    expect(res.status).toBe(404);
  });

  it('answers a malformed path with json, not an html page', async () => {
    const res = await answer(await postKite(h.url, '{}', JSON_TYPE, '/webhook/%E0%A4%A'));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body).toMatchObject({ error: expect.any(String) });
  });

  it('answers 503 with retry-after when the inbox cannot be written', async () => {
    h.db.pragma('query_only = ON');
    const { headers, body } = kiteRequest('proxy', event);
    const res = await postKite(h.url, body, headers);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ error: 'storage_unavailable' });
    const signed = await postStripe(h.url, loadFixture('invoice-paid.json').raw);
    expect(signed.status).toBe(503);
    h.db.pragma('query_only = OFF');
    expect(h.rows()).toHaveLength(0);
    expect((await postKite(h.url, body, headers)).status).toBe(200);
  });
});
