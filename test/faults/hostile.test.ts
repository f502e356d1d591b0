/**
 * Hostile input at volume: two rounds (a warm-up, then the measured one) of about 2,000 requests
 * each: malformed, oversized, unsigned, wrongly signed, tampered, stale, with a wrong Kite token,
 * and replays of valid deliveries, shuffled among 300 valid ones and sent 16 at a time. Every
 * valid event is stored and decided exactly once, every bad request is refused with a 4xx and
 * changes nothing, no request gets a 5xx, and the process's memory stays flat (a generous bound).
 */
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { type Fakes, KITE_TOKEN, seedPayment, seededRandom, startFakes } from './harness.ts';
import { startWorld, type World } from './world.ts';

const SECRET = 'whsec_faults_hostile';
const VALID = 300;

type Shot = {
  kind: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
  valid?: string;
};

let fakes: Fakes | undefined;
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  await fakes?.close();
  world = undefined;
  fakes = undefined;
});

const sign = (payload: string, secret = SECRET, timestamp?: number) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });

function volley(f: Fakes, round: string, random: () => number): Shot[] {
  const json = { 'content-type': 'application/json' };
  const kite = `/webhook/${KITE_TOKEN}`;
  const shots: Shot[] = [];
  for (let i = 0; i < VALID; i++) {
    const event = seedPayment(f.stripe, `pi_h${round}_${i}`);
    const body = JSON.stringify(event);
    const viaStripe = i % 2 === 0;
    const signed = { ...json, 'stripe-signature': sign(body) };
    const valid: Shot = viaStripe
      ? { kind: 'valid', path: '/stripe/webhook', headers: signed, body, valid: event.id }
      : { kind: 'valid', path: kite, headers: json, body, valid: event.id };
    shots.push(valid, { ...valid, kind: 'replay' });
    if (viaStripe) {
      shots.push(
        { kind: 'unsigned', path: '/stripe/webhook', headers: json, body },
        {
          kind: 'bad-signature',
          path: '/stripe/webhook',
          headers: { ...json, 'stripe-signature': sign(body, 'whsec_wrong') },
          body,
        },
        { kind: 'tampered', path: '/stripe/webhook', headers: signed, body: body.replace('2500', '9999') },
        {
          kind: 'stale',
          path: '/stripe/webhook',
          headers: { ...json, 'stripe-signature': sign(body, SECRET, Math.floor(Date.now() / 1000) - 3600) },
          body,
        },
      );
    } else {
      shots.push({ kind: 'wrong-token', path: '/webhook/not-the-token', headers: json, body });
    }
    const junk = ['{', 'null', '[]', '"text"', '{"id": 5}', '', '{"data": {}}', '\u0000\u0001'];
    shots.push({
      kind: 'malformed',
      path: random() < 0.5 ? kite : '/stripe/webhook',
      headers: json,
      body: junk[i % junk.length]!,
    });
    shots.push({ kind: 'malformed', path: kite, headers: { 'content-type': 'text/plain' }, body: 'hello' });
    if (i % 30 === 0)
      shots.push({ kind: 'oversized', path: kite, headers: json, body: Buffer.alloc(2 * 1024 * 1024, 32) });
  }
  for (let i = shots.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shots[i], shots[j]] = [shots[j]!, shots[i]!];
  }
  // A replay goes after the delivery it repeats.
  const firstSeen = new Set<string>();
  for (const s of shots) {
    if (s.valid && !firstSeen.has(s.valid)) {
      firstSeen.add(s.valid);
      s.kind = 'valid';
    } else if (s.valid) s.kind = 'replay';
  }
  return shots;
}

async function fire(base: string, shots: Shot[]) {
  const results: { shot: Shot; status: number }[] = [];
  let next = 0;
  const lane = async () => {
    while (next < shots.length) {
      const shot = shots[next++]!;
      const response = await fetch(`${base}${shot.path}`, {
        method: 'POST',
        headers: shot.headers,
        body: shot.body,
        signal: AbortSignal.timeout(10_000),
      }).catch(() => undefined);
      await response?.arrayBuffer().catch(() => undefined);
      results.push({ shot, status: response?.status ?? 0 });
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  return results;
}

describe('hostile input at volume', () => {
  it('processes every valid event once, refuses every bad request, and keeps memory flat', async () => {
    fakes = await startFakes();
    world = await startWorld({
      env: {
        STRIPE_WEBHOOK_SECRET: SECRET,
        STRIPE_SECRET_KEY: 'sk_test_faults',
        STRIPE_API_BASE: fakes.stripe.url,
      },
    });
    const random = seededRandom(7);
    await fire(world.url, volley(fakes, 'warm', random));
    await world.decide();
    const before = process.memoryUsage();

    const shots = volley(fakes, 'main', random);
    const results = await fire(world.url, shots);
    expect(results.length).toBeGreaterThan(1900);
    const byKind = new Map<string, number[]>();
    for (const r of results) byKind.set(r.shot.kind, [...(byKind.get(r.shot.kind) ?? []), r.status]);
    for (const [kind, statuses] of byKind) {
      const wrong = statuses.filter((s) =>
        kind === 'valid' || kind === 'replay'
          ? s !== 200
          : kind === 'oversized'
            ? s !== 413
            : s < 400 || s >= 500,
      );
      expect(wrong, `${kind}: ${statuses.length} sent`).toEqual([]);
    }

    await world.decide();
    const ids = shots.filter((s) => s.kind === 'valid').map((s) => s.valid!);
    const rows = world.rows<{ stripe_event_id: string; status: string; deliveries: number }>(
      `SELECT stripe_event_id, status, deliveries FROM inbox WHERE stripe_event_id LIKE 'evt_fault_%' AND object_id LIKE 'pi_hmain_%'`,
    );
    expect(rows).toHaveLength(ids.length);
    expect(new Set(rows.map((r) => r.stripe_event_id))).toEqual(new Set(ids));
    expect(rows.every((r) => r.status === 'done' && r.deliveries === 2)).toBe(true);
    const decided = world.rows(`SELECT 1 FROM decisions WHERE case_id LIKE 'pi_hmain_%'`);
    expect(decided).toHaveLength(VALID);
    // Nothing else got in: the warm-up's rows, this round's valid ones, nothing from the bad ones.
    const all = world.rows<{ n: number }>('SELECT count(*) AS n FROM inbox')[0]!.n;
    expect(all).toBe(2 * VALID);

    const after = process.memoryUsage();
    expect(after.heapUsed - before.heapUsed).toBeLessThan(96 * 1024 * 1024);
    expect(after.rss - before.rss).toBeLessThan(192 * 1024 * 1024);
  }, 90_000);
});
