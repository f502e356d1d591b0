import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, failedEvent, startWorld } from './world.ts';

type World = Awaited<ReturnType<typeof startWorld>>;

let world: World;
afterEach(async () => {
  await world.close();
});

/** Adds a customer and a failing PaymentIntent to the fake Stripe, as after a first decline. */
function seedPayment(
  w: World,
  id: string,
  script: Parameters<World['fakeStripe']['script']>[1],
  amount = 5000,
  currency = 'jpy',
) {
  w.fakeStripe.addCustomer({ id: `cus_${id}`, email: `${id}@customer.test` });
  const pi = w.fakeStripe.addPaymentIntent(
    {
      id: `pi_${id}`,
      amount,
      currency,
      customer: `cus_${id}`,
      latest_charge: `ch_${id}_1`,
      last_payment_error: {
        type: 'card_error',
        code: 'card_declined',
        payment_method: { id: 'pm_e2e_visa' },
      },
    },
    script,
  );
  return pi as unknown as {
    id: string;
    amount: number;
    currency: string;
    customer: string;
    latest_charge: string;
  };
}

const tableCount = (w: World, sql: string, ...args: unknown[]) =>
  (w.db.prepare(sql).get(...args) as { n: number }).n;

describe('end to end through the real SDKs', () => {
  beforeEach(async () => {
    world = await startWorld();
  });

  it('runs three strikes: two retries, two notices, one escalation', async () => {
    const pi = seedPayment(world, 'three', { kind: 'decline', declineCode: 'insufficient_funds' });
    await world.deliver(failedEvent(pi, { code: 'card_declined', decline_code: 'insufficient_funds' }, T0));
    await world.settle();

    world.clock.advance(2_000);
    await world.settle();
    world.clock.advance(2_000);
    await world.settle();
    world.clock.advance(60_000);
    await world.settle();

    const confirms = world.fakeStripe.calls('POST', /\/v1\/payment_intents\/pi_three\/confirm$/);
    expect(confirms.map((r) => r.idempotencyKey)).toEqual(['retry:pi_three:1', 'retry:pi_three:2']);
    expect(confirms.every((r) => r.body.off_session === 'true' && r.body.amount === undefined)).toBe(true);
    expect(world.fakeStripe.calls('POST', /\/v1\/payment_intents$/)).toHaveLength(0);

    expect(world.smtp.messages.map((m) => m.to)).toEqual([['three@customer.test'], ['three@customer.test']]);
    expect(world.smtp.messages[0]?.text).toContain('¥5,000');
    expect(world.smtp.messages[0]?.text).not.toContain('¥50.00');

    const posts = world.fakeSlack.messages.filter((m) => !m.thread_ts);
    expect(posts).toHaveLength(1);
    expect(tableCount(world, 'SELECT failure_count AS n FROM cases WHERE id = ?', 'pi_three')).toBe(3);
  });

  it('counts the webhook that follows its own declined retry as the same failure', async () => {
    const pi = seedPayment(world, 'echo', { kind: 'decline', declineCode: 'insufficient_funds' });
    await world.deliver(failedEvent(pi, { code: 'card_declined', decline_code: 'insufficient_funds' }, T0));
    await world.settle();
    world.clock.advance(2_000);
    await world.settle();

    const charge = world.fakeStripe.paymentIntents.get('pi_echo')?.latest_charge as string;
    const echo = failedEvent(
      { ...pi, latest_charge: charge },
      { code: 'card_declined', decline_code: 'insufficient_funds' },
      T0 + 2_000,
    );
    await world.deliver(echo);
    await world.settle();

    expect(tableCount(world, 'SELECT COUNT(*) AS n FROM failures WHERE case_id = ?', 'pi_echo')).toBe(2);
    expect(tableCount(world, 'SELECT COUNT(*) AS n FROM inbox WHERE stripe_event_id = ?', echo.id)).toBe(1);
  });

  it('cancels the pending retry when the payment succeeds after the first failure', async () => {
    const pi = seedPayment(world, 'saved', { kind: 'succeed' }, 1999, 'usd');
    await world.deliver(failedEvent(pi, { code: 'card_declined', decline_code: 'insufficient_funds' }, T0));
    await world.settle();
    await world.deliver({
      id: 'evt_saved_ok',
      object: 'event',
      type: 'payment_intent.succeeded',
      api_version: '2026-11-18.endive',
      created: Math.floor(T0 / 1000) + 1,
      livemode: false,
      data: { object: { ...pi, object: 'payment_intent', status: 'succeeded' } },
    } as { id: string; type: string });
    await world.settle();
    world.clock.advance(60_000);
    await world.settle();

    expect(world.fakeStripe.calls('POST', /confirm$/)).toHaveLength(0);
    expect(
      tableCount(
        world,
        "SELECT COUNT(*) AS n FROM jobs WHERE case_id = ? AND state = 'canceled'",
        'pi_saved',
      ),
    ).toBeGreaterThan(0);
    expect(
      tableCount(world, "SELECT COUNT(*) AS n FROM cases WHERE id = ? AND status = 'closed'", 'pi_saved'),
    ).toBe(1);
  });

  it('never retries a hard decline', async () => {
    const pi = seedPayment(world, 'stolen', { kind: 'succeed' }, 1999, 'usd');
    await world.deliver(failedEvent(pi, { code: 'card_declined', decline_code: 'stolen_card' }, T0));
    await world.settle();
    world.clock.advance(7 * 86_400_000);
    await world.settle();

    expect(world.fakeStripe.calls('POST', /confirm$/)).toHaveLength(0);
    expect(tableCount(world, "SELECT COUNT(*) AS n FROM jobs WHERE tool = 'retry_payment'")).toBe(0);
    expect(world.fakeSlack.messages.filter((m) => !m.thread_ts)).toHaveLength(1);
  });
});

describe('shadow mode end to end', () => {
  beforeEach(async () => {
    world = await startWorld({ shadow: true });
  });

  it('decides and records everything and sends nothing', async () => {
    const pi = seedPayment(world, 'quiet', { kind: 'decline' });
    await world.deliver(failedEvent(pi, { code: 'card_declined', decline_code: 'insufficient_funds' }, T0));
    for (let i = 0; i < 4; i++) {
      await world.settle();
      world.clock.advance(60_000);
    }
    await world.settle();

    expect(world.fakeStripe.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(world.smtp.messages).toHaveLength(0);
    expect(world.fakeSlack.requests.filter((r) => r.method === 'chat.postMessage')).toHaveLength(0);
    expect(tableCount(world, 'SELECT COUNT(*) AS n FROM decisions')).toBeGreaterThan(0);
    expect(tableCount(world, "SELECT COUNT(*) AS n FROM jobs WHERE state = 'done'")).toBeGreaterThan(0);
  });
});
