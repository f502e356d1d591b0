import { afterEach, describe, expect, it } from 'vitest';
import { sameSecret } from '../../src/ingress/kite-route.ts';
import { isLoopback } from '../../src/ingress/server.ts';
import { kiteRequest } from '../fakes/kite.ts';
import { loadFixture } from './fixtures.ts';
import { type Harness, postKite, startHarness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const TOKEN = 'kite-token-0123456789abcdef';
const request = kiteRequest('proxy', loadFixture('invoice-paid.json').value);

describe('kite token', () => {
  it('accepts the token as the last path segment', async () => {
    h = await startHarness({ KITE_TOKEN: TOKEN });
    const res = await postKite(h.url, request.body, request.headers, `/webhook/${TOKEN}`);
    expect(res.status).toBe(200);
    expect(h.rows()).toHaveLength(1);
  });

  for (const path of [
    '/webhook',
    '/webhook/wrong-token',
    `/webhook/${TOKEN}x`,
    `/webhook/${TOKEN.slice(0, -1)}`,
  ]) {
    it(`refuses ${path.replace(TOKEN, '<token>')} with 401 when a token is set`, async () => {
      h = await startHarness({ KITE_TOKEN: TOKEN });
      const res = await postKite(h.url, request.body, request.headers, path);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
      expect(h.rows()).toHaveLength(0);
      expect(JSON.stringify(h.logs)).not.toContain(TOKEN.slice(0, 12));
    });
  }

  it('accepts only /webhook when no token is set', async () => {
    h = await startHarness();
    expect((await postKite(h.url, request.body, request.headers, '/webhook/anything')).status).toBe(401);
    expect((await postKite(h.url, request.body, request.headers, '/webhook')).status).toBe(200);
  });

  it('compares secrets of any length', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'abc')).toBe(false);
  });

  it('warns at start when no token is set and the host is not loopback', async () => {
    h = await startHarness({ HOST: '0.0.0.0' });
    expect(h.logs.some((l) => l.level === 40 && String(l.msg).includes('KITE_TOKEN is not set'))).toBe(true);
    expect(isLoopback('127.0.0.1') && isLoopback('::1') && !isLoopback('0.0.0.0')).toBe(true);
  });

  it('does not warn on loopback', async () => {
    h = await startHarness();
    expect(h.logs.some((l) => String(l.msg).includes('KITE_TOKEN is not set'))).toBe(false);
  });
});
