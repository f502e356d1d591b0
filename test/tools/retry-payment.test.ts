import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeStripe, startFakeStripe } from '../../src/fakes/fake-stripe.ts';
import { getJob } from '../../src/store/jobs.ts';
import { makeExecutors } from '../../src/tools/executors.ts';
import { runDueJobs } from '../../src/tools/scheduler.ts';
import { jobKeys } from '../../src/tools/schemas.ts';
import { makeStripe, STRIPE_API_VERSION } from '../../src/tools/stripe-client.ts';
import { addJob, insertCase, T0, world } from './helpers.ts';

let fake: FakeStripe;
beforeEach(async () => {
  fake = await startFakeStripe();
});
afterEach(async () => {
  await fake.close();
});

type Inbox = {
  dedup_key: string;
  transport: string;
  status: string;
  type: string;
  stripe_event_id: string;
  event_json: string;
};

function setup(
  options: { shadow?: boolean; retries?: number; timeoutMs?: number; withStripe?: boolean } = {},
) {
  const w = world();
  const stripe =
    options.withStripe === false
      ? undefined
      : makeStripe({
          secretKey: 'sk_test_fake',
          apiBase: fake.url,
          maxNetworkRetries: options.retries ?? 0,
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        });
  const executors = makeExecutors({
    db: w.db,
    config: w.config,
    log: w.log,
    clock: w.clock,
    shadow: options.shadow ?? false,
    ...(stripe ? { stripe } : {}),
  });
  const run = () =>
    runDueJobs({ db: w.db, config: w.config, log: w.log, metrics: w.metrics, clock: w.clock, executors });
  const retry = (caseId: string, attempt: number, extra: Record<string, unknown> = {}) =>
    addJob(w.db, {
      caseId,
      tool: 'retry_payment',
      args: { attempt, failureKey: `ch_prev_${attempt}`, ...extra },
      key: jobKeys.retry(caseId, attempt),
      dueAt: T0,
    });
  const inbox = () => w.db.prepare('SELECT * FROM inbox ORDER BY id').all() as Inbox[];
  return { ...w, run, retry, inbox };
}

function declinedPi(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    amount: 5000,
    currency: 'jpy',
    customer: 'cus_1',
    status: 'requires_payment_method',
    payment_method: null,
    last_payment_error: {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      charge: 'ch_prev_1',
      payment_method: { id: 'pm_failed', object: 'payment_method' },
    },
    ...extra,
  };
}

describe('retry_payment', () => {
  it('confirms the same PaymentIntent off-session with the failed method and the job key', async () => {
    const s = setup();
    fake.addPaymentIntent(declinedPi('pi_ok'), { kind: 'succeed' });
    insertCase(s.db, { id: 'pi_ok', amount: 5000, currency: 'jpy' });
    const id = s.retry('pi_ok', 1);
    await s.run();
    const confirms = fake.calls('POST', /confirm$/);
    expect(confirms).toHaveLength(1);
    expect(confirms[0]).toMatchObject({
      path: '/v1/payment_intents/pi_ok/confirm',
      idempotencyKey: 'retry:pi_ok:1',
      body: { payment_method: 'pm_failed', off_session: 'true' },
    });
    expect(confirms[0]!.body).not.toHaveProperty('amount');
    expect(fake.calls('POST', /^\/v1\/payment_intents$/)).toHaveLength(0);
    expect(getJob(s.db, id)).toMatchObject({ state: 'done', idempotency_key: 'retry:pi_ok:1' });
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({
      outcome: 'done',
      status: 'succeeded',
    });
  });

  it('uses the customer’s new card after a card update', async () => {
    const s = setup();
    fake.addPaymentIntent(declinedPi('pi_new'));
    insertCase(s.db, {
      id: 'pi_new',
      facts: { updatedPaymentMethodId: 'pm_new', failedPaymentMethodId: 'pm_failed' },
    });
    s.retry('pi_new', 1);
    await s.run();
    expect(fake.calls('POST', /confirm$/)[0]?.body.payment_method).toBe('pm_new');
  });

  it.each([
    ['succeeded', 'payment already succeeded'],
    ['processing', 'payment is processing'],
    ['canceled', 'payment was canceled'],
    ['requires_action', 'payment needs the customer (authentication)'],
  ])('skips a PaymentIntent that is %s and records why', async (status, reason) => {
    const s = setup();
    fake.addPaymentIntent(declinedPi('pi_s', { status }));
    insertCase(s.db, { id: 'pi_s' });
    const id = s.retry('pi_s', 1);
    await s.run();
    expect(fake.calls('POST')).toHaveLength(0);
    expect(getJob(s.db, id)?.state).toBe('skipped');
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({ reason, status });
  });

  it('skips an invoice that Stripe Billing will retry itself', async () => {
    const s = setup();
    fake.addInvoice({ id: 'in_b', next_payment_attempt: Math.floor(T0 / 1000) + 3600 });
    insertCase(s.db, { id: 'in_b', kind: 'invoice' });
    const id = s.retry('in_b', 1);
    await s.run();
    expect(fake.calls('POST')).toHaveLength(0);
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({
      reason: 'Stripe Billing has a retry booked',
    });
  });

  it('pays an invoice with the job key', async () => {
    const s = setup();
    fake.addInvoice({ id: 'in_p', next_payment_attempt: null }, { kind: 'succeed' });
    insertCase(s.db, { id: 'in_p', kind: 'invoice' });
    const id = s.retry('in_p', 2);
    await s.run();
    expect(fake.calls('POST', /pay$/)).toMatchObject([
      { path: '/v1/invoices/in_p/pay', idempotencyKey: 'retry:in_p:2' },
    ]);
    expect(getJob(s.db, id)?.state).toBe('done');
    expect(fake.invoices.get('in_p')?.status).toBe('paid');
  });

  it('records a declined invoice payment as an invoice failure with its new attempt count', async () => {
    const s = setup();
    fake.addInvoice({ id: 'in_d', attempt_count: 1 }, { kind: 'decline', declineCode: 'insufficient_funds' });
    insertCase(s.db, { id: 'in_d', kind: 'invoice', facts: { failedPaymentMethodId: 'pm_failed' } });
    const id = s.retry('in_d', 1, {
      invoiceId: 'in_d',
      paymentIntentId: 'pi_of_in_d',
      paymentMethodId: 'pm_failed',
    });
    await s.run();
    expect(fake.calls('POST', /confirm$/)).toHaveLength(0);
    expect(fake.calls('POST', /pay$/)).toMatchObject([
      { body: { payment_method: 'pm_failed', off_session: 'true' } },
    ]);
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({
      outcome: 'declined',
      declineCode: 'insufficient_funds',
    });
    const row = s.inbox()[0]!;
    expect(row).toMatchObject({ type: 'invoice.payment_failed', dedup_key: 'internal:retry:in_d:1' });
    expect(JSON.parse(row.event_json).data.object).toMatchObject({
      id: 'in_d',
      object: 'invoice',
      attempt_count: 2,
    });
  });

  it('turns a decline into one internal inbox row carrying the new charge', async () => {
    const s = setup();
    fake.addPaymentIntent(declinedPi('pi_d'), { kind: 'decline' });
    insertCase(s.db, { id: 'pi_d' });
    const id = s.retry('pi_d', 1);
    await s.run();
    expect(getJob(s.db, id)?.state).toBe('done');
    const rows = s.inbox();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({
      dedup_key: 'internal:retry:pi_d:1',
      transport: 'internal',
      status: 'pending',
      type: 'payment_intent.payment_failed',
    });
    expect(row.stripe_event_id).toMatch(/^evt_internal_[0-9a-f]{24}$/);
    const event = JSON.parse(row.event_json);
    const newCharge = [...fake.charges.keys()][0];
    expect(event).toMatchObject({
      id: row.stripe_event_id,
      object: 'event',
      api_version: STRIPE_API_VERSION,
      created: Math.floor(T0 / 1000),
      data: {
        object: {
          id: 'pi_d',
          object: 'payment_intent',
          last_payment_error: { charge: newCharge, code: 'card_declined', decline_code: 'generic_decline' },
        },
      },
    });
    expect(newCharge).not.toBe('ch_prev_1');
  });

  it('stores a repeated decline of the same attempt once', async () => {
    const s = setup();
    fake.addPaymentIntent(declinedPi('pi_rep'), { kind: 'decline' });
    insertCase(s.db, { id: 'pi_rep' });
    s.retry('pi_rep', 1);
    await s.run();
    s.db.prepare(`UPDATE jobs SET state = 'pending' WHERE idempotency_key = 'retry:pi_rep:1'`).run();
    await s.run();
    expect(fake.calls('POST', /confirm$/).map((r) => r.replayed)).toEqual([false, true]);
    expect(s.inbox()).toHaveLength(1);
    expect(fake.charges.size).toBe(1);
  });

  it('records authentication_required as a failure fact with the PaymentIntent needing action', async () => {
    const s = setup();
    fake.addPaymentIntent(declinedPi('pi_auth'), { kind: 'authentication_required' });
    insertCase(s.db, { id: 'pi_auth' });
    s.retry('pi_auth', 1);
    await s.run();
    const event = JSON.parse(s.inbox()[0]!.event_json);
    expect(event.data.object).toMatchObject({
      status: 'requires_action',
      last_payment_error: { code: 'authentication_required' },
    });
  });

  it('declines until the n-th attempt, then succeeds', async () => {
    const s = setup();
    fake.addPaymentIntent(declinedPi('pi_n'), {
      kind: 'decline_until',
      succeedOnAttempt: 2,
      declineCode: 'insufficient_funds',
    });
    insertCase(s.db, { id: 'pi_n' });
    const first = s.retry('pi_n', 1);
    await s.run();
    const second = s.retry('pi_n', 2);
    await s.run();
    expect(JSON.parse(getJob(s.db, first)!.result_json!)).toMatchObject({
      outcome: 'declined',
      declineCode: 'insufficient_funds',
    });
    expect(JSON.parse(getJob(s.db, second)!.result_json!)).toMatchObject({
      outcome: 'done',
      status: 'succeeded',
    });
    expect(fake.calls('POST', /confirm$/).map((r) => r.idempotencyKey)).toEqual([
      'retry:pi_n:1',
      'retry:pi_n:2',
    ]);
  });

  it('keeps the idempotency key on the SDK’s own network retries', async () => {
    const s = setup({ retries: 2 });
    fake.addPaymentIntent(declinedPi('pi_net'), { kind: 'succeed' });
    fake.fail({ status: 500, path: /confirm$/ });
    insertCase(s.db, { id: 'pi_net' });
    const id = s.retry('pi_net', 1);
    await s.run();
    const confirms = fake.calls('POST', /confirm$/);
    expect(confirms.map((r) => r.idempotencyKey)).toEqual(['retry:pi_net:1', 'retry:pi_net:1']);
    expect(fake.charges.size).toBe(1);
    expect(getJob(s.db, id)?.state).toBe('done');
  });

  it('reschedules on 429 and repeats the same key', async () => {
    const s = setup();
    fake.addPaymentIntent(declinedPi('pi_429'), { kind: 'succeed' });
    fake.fail({ status: 429, path: /confirm$/ });
    insertCase(s.db, { id: 'pi_429' });
    const id = s.retry('pi_429', 1);
    await s.run();
    expect(getJob(s.db, id)?.state).toBe('pending');
    s.clock.set(getJob(s.db, id)!.due_at);
    await s.run();
    expect(getJob(s.db, id)?.state).toBe('done');
    expect(fake.calls('POST', /confirm$/).map((r) => r.idempotencyKey)).toEqual([
      'retry:pi_429:1',
      'retry:pi_429:1',
    ]);
  });

  it('charges once when a slow confirm succeeded after the client timed out (SDK retry replays)', async () => {
    const s = setup({ retries: 1, timeoutMs: 300 });
    fake.addPaymentIntent(declinedPi('pi_test_idem_1'), { kind: 'succeed' });
    fake.delay({ ms: 1500, path: /confirm$/ });
    insertCase(s.db, { id: 'pi_test_idem_1' });
    const id = s.retry('pi_test_idem_1', 2);
    await s.run();
    const confirms = fake.calls('POST', /confirm$/);
    expect(confirms.map((r) => r.idempotencyKey)).toEqual([
      'retry:pi_test_idem_1:2',
      'retry:pi_test_idem_1:2',
    ]);
    expect([...fake.charges.values()].filter((c) => c.status === 'succeeded')).toHaveLength(1);
    expect(getJob(s.db, id)?.state).toBe('done');
  });

  it('charges once when a slow confirm succeeded after the client timed out (next attempt re-reads)', async () => {
    const s = setup({ retries: 0, timeoutMs: 300 });
    fake.addPaymentIntent(declinedPi('pi_test_idem_1'), { kind: 'succeed' });
    fake.delay({ ms: 1500, path: /confirm$/ });
    insertCase(s.db, { id: 'pi_test_idem_1' });
    const id = s.retry('pi_test_idem_1', 2);
    await s.run();
    expect(getJob(s.db, id)).toMatchObject({ state: 'pending', idempotency_key: 'retry:pi_test_idem_1:2' });
    s.clock.set(getJob(s.db, id)!.due_at);
    await s.run();
    expect(fake.calls('POST', /confirm$/)).toHaveLength(1);
    expect(fake.charges.size).toBe(1);
    expect(getJob(s.db, id)?.state).toBe('skipped');
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({ reason: 'payment already succeeded' });
  });

  it('fails at once, without retrying, when the key was used with other parameters', async () => {
    const s = setup();
    fake.addPaymentIntent(declinedPi('pi_conf'), { kind: 'decline' });
    insertCase(s.db, { id: 'pi_conf' });
    const direct = makeStripe({ secretKey: 'sk_test_fake', apiBase: fake.url, maxNetworkRetries: 0 });
    await direct.paymentIntents
      .confirm(
        'pi_conf',
        { payment_method: 'pm_other', off_session: true },
        { idempotencyKey: 'retry:pi_conf:1' },
      )
      .catch(() => undefined);
    const id = s.retry('pi_conf', 1, { paymentMethodId: 'pm_failed' });
    await s.run();
    expect(getJob(s.db, id)).toMatchObject({ state: 'failed', attempts: 1 });
    expect(getJob(s.db, id)?.last_error).toContain('StripeIdempotencyError');
    expect(s.inbox()).toHaveLength(0);
  });

  it('answers a confirm without a payment method with 400 invalid_request_error', async () => {
    fake.addPaymentIntent(declinedPi('pi_nopm', { last_payment_error: null }));
    const stripe = makeStripe({ secretKey: 'sk_test_fake', apiBase: fake.url, maxNetworkRetries: 0 });
    const err = await stripe.paymentIntents.confirm('pi_nopm', {}, { idempotencyKey: 'k' }).catch((e) => e);
    expect(err).toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'payment_intent_unexpected_state',
    });
  });

  it('fails permanently on a revoked API key and raises could-not-act', async () => {
    const s = setup({ withStripe: false });
    fake.addPaymentIntent(declinedPi('pi_key'));
    insertCase(s.db, { id: 'pi_key' });
    const id = s.retry('pi_key', 1);
    const stripe = makeStripe({ secretKey: 'sk_test_revoked', apiBase: fake.url, maxNetworkRetries: 0 });
    const executors = makeExecutors({
      db: s.db,
      config: s.config,
      log: s.log,
      clock: s.clock,
      shadow: false,
      stripe,
    });
    await runDueJobs({
      db: s.db,
      config: s.config,
      log: s.log,
      metrics: s.metrics,
      clock: s.clock,
      executors,
    });
    expect(getJob(s.db, id)?.state).toBe('failed');
    expect(getJob(s.db, id)?.last_error).toContain('StripeAuthenticationError');
    expect(fake.requests).toHaveLength(1);
    expect(s.db.prepare(`SELECT tool FROM jobs WHERE idempotency_key = 'escalate:pi_key'`).get()).toEqual({
      tool: 'escalate_to_human',
    });
  });

  it('sends nothing to Stripe in shadow mode and records what it would have done', async () => {
    const s = setup({ shadow: true, withStripe: false });
    insertCase(s.db, { id: 'pi_sh', facts: { failedPaymentMethodId: 'pm_failed' } });
    const id = s.retry('pi_sh', 1);
    await s.run();
    expect(fake.requests).toHaveLength(0);
    expect(getJob(s.db, id)?.state).toBe('done');
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({
      shadow: true,
      wouldHave: { payment_intent: 'pi_sh', payment_method: 'pm_failed', idempotencyKey: 'retry:pi_sh:1' },
    });
  });

  it('only reads from Stripe in shadow mode when a key exists', async () => {
    const s = setup({ shadow: true });
    fake.addPaymentIntent(declinedPi('pi_shr'));
    insertCase(s.db, { id: 'pi_shr' });
    const id = s.retry('pi_shr', 1);
    await s.run();
    expect(fake.calls('POST')).toHaveLength(0);
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({
      shadow: true,
      wouldHave: { confirm: 'pi_shr' },
    });
  });
});
