/**
 * The same case's events arriving at once on several connections (each request on its own
 * socket), some of them twice: one inbox row per Stripe event, one decision per row, taken in
 * inbox order, and the case counts each failure once.
 */
import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Fakes, failureEvent, seedPayment, startFakes } from './harness.ts';
import { startWorld, type World } from './world.ts';

let fakes: Fakes | undefined;
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  await fakes?.close();
  world = undefined;
  fakes = undefined;
});

/** One POST on a fresh connection (its own agent, no keep-alive). */
function postOnOwnSocket(url: string, body: string): Promise<number> {
  const agent = new Agent({ keepAlive: false, maxSockets: 1 });
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          agent.destroy();
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('one case, many connections at once', () => {
  it('makes one decision per event, in order, and counts each failure once', async () => {
    fakes = await startFakes();
    world = await startWorld({
      env: { STRIPE_SECRET_KEY: 'sk_test_faults', STRIPE_API_BASE: fakes.stripe.url, PLANNER: 'rules' },
    });
    const first = seedPayment(fakes.stripe, 'pi_race');
    const pi = fakes.stripe.paymentIntents.get('pi_race')!;
    const events = [first];
    for (let n = 2; n <= 3; n++) {
      const charge = `ch_race_${n}`;
      pi.latest_charge = charge;
      pi.last_payment_error = { ...(pi.last_payment_error as object), charge };
      events.push({ ...failureEvent(fakes.stripe, 'pi_race'), created: first.created + n });
    }
    const bodies = events.flatMap((e) => [JSON.stringify(e), JSON.stringify(e)]);
    const statuses = await Promise.all(bodies.map((b) => postOnOwnSocket(world!.webhook, b)));
    expect(statuses).toEqual(bodies.map(() => 200));

    const inbox = world.rows<{ id: number; stripe_event_id: string; deliveries: number }>(
      'SELECT id, stripe_event_id, deliveries FROM inbox ORDER BY id',
    );
    expect(inbox.map((r) => r.stripe_event_id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(inbox.every((r) => r.deliveries === 2)).toBe(true);

    await world.decide();
    const decisions = world.rows<{ id: number; inbox_id: number }>(
      `SELECT id, inbox_id FROM decisions WHERE case_id = 'pi_race' ORDER BY id`,
    );
    // Each row handled once: a decision, or skipped with its reason (an event older than what
    // the case already knows, when the sockets delivered them out of order).
    const handled = world.rows<{ id: number; status: string; reason: string | null }>(
      'SELECT id, status, reason FROM inbox ORDER BY id',
    );
    for (const row of handled) {
      const made = decisions.filter((d) => d.inbox_id === row.id).length;
      if (row.status === 'done') expect(made).toBe(1);
      else expect(row).toMatchObject({ status: 'skipped', reason: expect.any(String) });
    }
    const order = decisions.map((d) => d.inbox_id);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const [c] = world.rows<{ failure_count: number }>(`SELECT failure_count FROM cases WHERE id = 'pi_race'`);
    expect(c!.failure_count).toBe(decisions.length);
    if (inbox.map((r) => r.stripe_event_id).join() === events.map((e) => e.id).join()) {
      expect(decisions).toHaveLength(3);
    }
  });
});
