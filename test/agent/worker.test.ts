import { readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Planner } from '../../src/agent/planner.ts';
import { parsePolicy } from '../../src/agent/policy.ts';
import { processPending, startWorker } from '../../src/agent/worker.ts';
import { listDecisions, readDecision } from '../../src/store/decisions.ts';
import { chargeFailed, piFailed, simpleEvent, T0 } from './builders.ts';
import { ingest, inbox, jobsOf, makeDeps, rows } from './harness.ts';

const S = Math.floor(T0 / 1000);

describe('worker', () => {
  it('counts a charge.failed and a payment_intent.payment_failed of one attempt once', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ charge: 'ch_one' }));
    ingest(db, chargeFailed({ charge: 'ch_one' }));
    await processPending(deps);
    expect(rows(db, 'SELECT attempt_key FROM failures')).toEqual([{ attempt_key: 'ch_one' }]);
    expect(inbox(db).map((r) => r.status)).toEqual(['done', 'skipped']);
    expect(inbox(db)[1]!.reason).toMatch(/duplicate failure already counted/);
    expect(jobsOf(db, 'pi_test_1').map((j) => j.tool)).toEqual(['retry_payment', 'notify_customer']);
  });

  it('counts the same event id delivered twice once, even rendered in another API version', async () => {
    const { deps, db } = makeDeps();
    const event = piFailed({ charge: 'ch_same', id: 'evt_same' });
    ingest(db, event);
    const older = { ...event, api_version: '2020-08-27' };
    expect(ingest(db, older).outcome).toBe('duplicate');
    await processPending(deps);
    expect(rows(db, 'SELECT COUNT(*) AS n FROM failures')[0]!.n).toBe(1);
  });

  it('counts our own retry decline and the webhook that follows it once', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ charge: 'ch_first', created: S }));
    await processPending(deps);
    ingest(db, piFailed({ charge: 'ch_retry', created: S + 1800, id: 'evt_internal_1' }), 'internal');
    ingest(db, chargeFailed({ charge: 'ch_retry', created: S + 1800 }));
    await processPending(deps);
    expect(rows(db, 'SELECT attempt_key, source FROM failures ORDER BY id')).toEqual([
      { attempt_key: 'ch_first', source: 'webhook' },
      { attempt_key: 'ch_retry', source: 'retry' },
    ]);
  });

  it('runs the three strikes: two notices, two retries, one escalation', async () => {
    const { deps, db } = makeDeps();
    for (const [i, at] of [S, S + 1800, S + 1800 + 86_400].entries()) {
      ingest(db, piFailed({ charge: `ch_strike_${i}`, created: at }));
      await processPending(deps);
      // The executors carry the jobs out before the next failure arrives.
      db.prepare(`UPDATE jobs SET state = 'done' WHERE state = 'pending'`).run();
    }
    const jobs = jobsOf(db, 'pi_test_1');
    expect(jobs.map((j) => [j.tool, j.args.template ?? j.args.attempt ?? j.args.kind])).toEqual([
      ['retry_payment', 1],
      ['notify_customer', 'first_failure'],
      ['retry_payment', 2],
      ['notify_customer', 'update_payment_method'],
      ['escalate_to_human', 'case'],
    ]);
    expect(jobs[0]!.due_at).toBe(T0 + 1_800_000);
    expect(jobs[2]!.due_at).toBe(T0 + 1_800_000 + 86_400_000);
    expect(jobs[0]!.idempotency_key).toBe('retry:pi_test_1:1');
    const decisions = listDecisions(db, 'pi_test_1');
    expect(decisions).toHaveLength(3);
    expect(rows(db, 'SELECT failure_count FROM cases')[0]!.failure_count).toBe(3);
  });

  it('escalates a failure whose charge is from 2022 instead of charging it, however late it arrives', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ charge: 'ch_2022', created: Math.floor(Date.UTC(2022, 5, 1) / 1000) }));
    await processPending(deps);
    expect(jobsOf(db, 'pi_test_1').map((j) => [j.tool, j.args.kind ?? j.args.template])).toEqual([
      ['escalate_to_human', 'case'],
    ]);
    const [d] = listDecisions(db, 'pi_test_1');
    expect(readDecision(db, d!.id)!.rationale).toMatch(/older than 60 days/);
  });

  it('stores an amount of the wrong kind as unknown, retries, and escalates it as possibly high', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ amount: -5 }));
    await processPending(deps);
    expect(rows(db, 'SELECT amount, currency FROM cases')).toEqual([{ amount: null, currency: 'usd' }]);
    expect(jobsOf(db, 'pi_test_1').map((j) => j.tool)).toEqual([
      'retry_payment',
      'notify_customer',
      'escalate_to_human',
    ]);
  });

  it('escalates a decline code that is not a string instead of retrying it as soft', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ decline: { code: 'card_declined', decline_code: 123 as never } }));
    await processPending(deps);
    expect(jobsOf(db, 'pi_test_1').map((j) => j.tool)).toEqual(['escalate_to_human']);
    expect(rows(db, 'SELECT decline_code FROM failures')).toEqual([{ decline_code: 'malformed:number' }]);
  });

  it("never closes another payment's case through a charge id that turns up in this payment's event", async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ pi: 'pi_c2', charge: 'ch_shared' }));
    await processPending(deps);
    ingest(
      db,
      simpleEvent('payment_intent.succeeded', {
        id: 'pi_order',
        object: 'payment_intent',
        status: 'succeeded',
        amount: 2000,
        currency: 'usd',
        latest_charge: 'ch_shared',
      }),
    );
    ingest(db, piFailed({ pi: 'pi_other', charge: 'ch_shared' }));
    await processPending(deps);
    expect(rows(db, 'SELECT id, status FROM cases ORDER BY id')).toEqual([
      { id: 'pi_c2', status: 'open' },
      { id: 'pi_other', status: 'open' },
    ]);
    expect(jobsOf(db, 'pi_c2').map((j) => [j.tool, j.state])).toEqual([
      ['retry_payment', 'pending'],
      ['notify_customer', 'pending'],
    ]);
    expect(inbox(db).map((r) => [r.status, r.reason])).toEqual([
      ['done', null],
      ['skipped', 'no open case for this event'],
      ['done', null],
    ]);
    // A charge-level event names its payment first, and only then falls back to the charge.
    ingest(
      db,
      simpleEvent('charge.dispute.created', {
        id: 'dp_x',
        object: 'dispute',
        payment_intent: 'pi_other',
        charge: 'ch_shared',
      }),
    );
    await processPending(deps);
    expect(rows(db, 'SELECT id, status FROM cases ORDER BY id').map((c) => c.status)).toEqual([
      'open',
      'closed',
    ]);
    ingest(db, simpleEvent('charge.dispute.created', { id: 'dp_y', object: 'dispute', charge: 'ch_shared' }));
    await processPending(deps);
    expect(rows(db, 'SELECT id, status FROM cases ORDER BY id').map((c) => c.status)).toEqual([
      'closed',
      'closed',
    ]);
  });

  it('decides on an event with a megabyte of metadata, keeping only a cut, redacted copy', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ metadata: { a: 'y'.repeat(900_000), b: `${'x'.repeat(30_000)}@example.com` } }));
    await processPending(deps);
    const [d] = listDecisions(db, 'pi_test_1');
    const ctx = readDecision(db, d!.id)!.context as { untrusted: { metadata: Record<string, string> } };
    expect(ctx.untrusted.metadata.a).toBe('y'.repeat(500));
    expect(ctx.untrusted.metadata.b).toBe('x'.repeat(500));
    expect(jobsOf(db, 'pi_test_1').map((j) => j.tool)).toEqual(['retry_payment', 'notify_customer']);
  });

  it('records a decision that reads back whole', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed());
    await processPending(deps);
    const [first] = listDecisions(db, 'pi_test_1');
    const d = readDecision(db, first!.id)!;
    expect(d.planner).toBe('rules');
    expect(d.policy_hash).toMatch(/^[0-9a-f]{16}$/);
    expect(d.context).toMatchObject({ schema: 1, trigger: 'failure', case: { id: 'pi_test_1' } });
    expect(d.proposals.map((p) => [p.tool, p.verdict])).toEqual([
      ['retry_payment', 'allow'],
      ['notify_customer', 'allow'],
    ]);
    expect(d.actions.map((a) => a.tool)).toEqual(['retry_payment', 'notify_customer']);
    expect(d.rationale).toBeTruthy();
    expect(rows(db, 'SELECT case_id FROM inbox')[0]!.case_id).toBe('pi_test_1');
  });

  it('keeps contact details out of the planner context', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ customer: { id: 'cus_x', email: 'someone@example.invalid', name: 'Some One' } }));
    await processPending(deps);
    const d = listDecisions(db, 'pi_test_1')[0]!;
    expect(d.context_json).not.toMatch(/example\.invalid|Some One|Fake Payer|4242/);
    expect(JSON.parse(rows(db, 'SELECT facts_json FROM cases')[0]!.facts_json as string)).toMatchObject({
      customerEmail: 'someone@example.invalid',
      billingEmail: 'payer@example.invalid',
    });
  });

  it.each([
    ['null', null],
    ['missing', undefined],
    ['an id', 'cus_str'],
    ['an expanded object', { id: 'cus_obj', object: 'customer' }],
  ])('decides when the customer is %s', async (_name, customer) => {
    const { deps, db } = makeDeps();
    const event = piFailed({ customer });
    if (customer === undefined) delete (event.data.object as Record<string, unknown>).customer;
    ingest(db, event);
    await processPending(deps);
    expect(inbox(db)[0]!.status).toBe('done');
    expect(jobsOf(db, 'pi_test_1').map((j) => j.tool)).toEqual(['retry_payment', 'notify_customer']);
  });

  it('gives the planner a zero-decimal amount in yen', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ amount: 5000, currency: 'jpy' }));
    await processPending(deps);
    const ctx = listDecisions(db, 'pi_test_1')[0]!.context as { payment: Record<string, unknown> };
    expect(ctx.payment).toMatchObject({
      amount: 5000,
      currency: 'jpy',
      decimals: 0,
      amountMajor: 5000,
      display: '¥5,000',
    });
  });

  it('sends the authentication notice and schedules no off-session retry', async () => {
    const { deps, db } = makeDeps();
    ingest(
      db,
      piFailed({ decline: { code: 'authentication_required', decline_code: 'authentication_not_handled' } }),
    );
    await processPending(deps);
    expect(jobsOf(db, 'pi_test_1').map((j) => [j.tool, j.args.template])).toEqual([
      ['notify_customer', 'authenticate'],
    ]);
    const ctx = listDecisions(db, 'pi_test_1')[0]!.context as {
      failure: { classification: { class: string } };
    };
    expect(ctx.failure.classification.class).toBe('needs_authentication');
  });

  it('closes the case on success and cancels what is pending', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed());
    await processPending(deps);
    ingest(
      db,
      simpleEvent(
        'payment_intent.succeeded',
        { id: 'pi_test_1', object: 'payment_intent', amount: 2000, status: 'succeeded' },
        S + 60,
      ),
    );
    await processPending(deps);
    expect(jobsOf(db, 'pi_test_1').map((j) => [j.tool, j.state])).toEqual([
      ['retry_payment', 'canceled'],
      ['notify_customer', 'canceled'],
    ]);
    expect(rows(db, 'SELECT status, close_reason FROM cases')[0]).toEqual({
      status: 'closed',
      close_reason: 'payment_intent.succeeded',
    });
    ingest(db, piFailed({ charge: 'ch_late', created: S + 120 }));
    await processPending(deps);
    expect(inbox(db).at(-1)).toMatchObject({ status: 'skipped', reason: 'case pi_test_1 is closed' });
  });

  it('sends the recovery notice and a thread reply after notices and an escalation', async () => {
    const { deps, db } = makeDeps();
    for (const [i, at] of [S, S + 1800, S + 90_000].entries()) {
      ingest(db, piFailed({ charge: `ch_r${i}`, created: at }));
      await processPending(deps);
      db.prepare(`UPDATE jobs SET state = 'done' WHERE state = 'pending'`).run();
    }
    ingest(
      db,
      simpleEvent(
        'payment_intent.succeeded',
        { id: 'pi_test_1', object: 'payment_intent', amount: 2000 },
        S + 100_000,
      ),
    );
    await processPending(deps);
    const tail = jobsOf(db, 'pi_test_1').slice(-2);
    expect(tail.map((j) => [j.tool, j.args.template ?? j.args.event])).toEqual([
      ['notify_customer', 'payment_recovered'],
      ['slack_reply', 'recovered'],
    ]);
  });

  it('sends no recovery notice for a $0 invoice', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ invoice: 'in_zero' }));
    await processPending(deps);
    db.prepare(`UPDATE jobs SET state = 'done'`).run();
    ingest(
      db,
      simpleEvent(
        'invoice.paid',
        { id: 'in_zero', object: 'invoice', amount_paid: 0, amount_due: 0 },
        S + 60,
      ),
    );
    await processPending(deps);
    expect(jobsOf(db, 'in_zero').map((j) => j.args.template)).not.toContain('payment_recovered');
    expect(rows(db, 'SELECT status FROM cases')[0]!.status).toBe('closed');
  });

  it('escalates a dispute and closes the case', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ charge: 'ch_d' }));
    await processPending(deps);
    ingest(
      db,
      simpleEvent('charge.dispute.created', {
        id: 'dp_1',
        object: 'dispute',
        charge: 'ch_d',
        payment_intent: 'pi_test_1',
      }),
    );
    await processPending(deps);
    expect(jobsOf(db, 'pi_test_1').at(-1)).toMatchObject({ tool: 'escalate_to_human', state: 'pending' });
    expect(rows(db, 'SELECT status FROM cases')[0]!.status).toBe('closed');
  });

  it('retries at once on the new card after a card update', async () => {
    const { deps, db, clock } = makeDeps();
    ingest(db, piFailed({ decline: { code: 'expired_card' } }));
    await processPending(deps);
    expect(jobsOf(db, 'pi_test_1').map((j) => j.tool)).toEqual(['notify_customer']);
    clock.advance(600_000);
    ingest(
      db,
      simpleEvent(
        'customer.updated',
        { id: 'cus_test_1', object: 'customer', invoice_settings: { default_payment_method: 'pm_new' } },
        S + 600,
      ),
    );
    rows(db, 'SELECT 1');
    const last = db.prepare('SELECT id FROM inbox ORDER BY id DESC LIMIT 1').get() as { id: number };
    db.prepare('UPDATE inbox SET event_json = json_set(event_json, ?, json(?)) WHERE id = ?').run(
      '$.data.previous_attributes',
      JSON.stringify({ invoice_settings: { default_payment_method: 'pm_old' } }),
      last.id,
    );
    await processPending(deps);
    const retry = jobsOf(db, 'pi_test_1').find((j) => j.tool === 'retry_payment')!;
    expect(retry.args).toMatchObject({ attempt: 1, paymentMethodId: 'pm_new' });
    expect(retry.due_at).toBe(T0 + 5000 + 600_000 + 1000);
  });

  it('skips a customer.updated that changes no card', async () => {
    const { deps, db } = makeDeps();
    ingest(db, simpleEvent('customer.updated', { id: 'cus_test_1', object: 'customer' }));
    await processPending(deps);
    expect(inbox(db)[0]).toMatchObject({ status: 'skipped', reason: 'no payment method change' });
  });

  it('skips events that are not about dunning', async () => {
    const { deps, db } = makeDeps();
    ingest(db, simpleEvent('product.created', { id: 'prod_1', object: 'product' }));
    await processPending(deps);
    expect(inbox(db)[0]).toMatchObject({ status: 'skipped', reason: 'not a dunning event: product.created' });
  });

  it('replies in the thread when an escalated case fails again', async () => {
    const { deps, db } = makeDeps({ policy: parsePolicy({ escalateAfterFailures: 1 }) });
    ingest(db, piFailed({ charge: 'ch_e1', created: S }));
    await processPending(deps);
    ingest(db, piFailed({ charge: 'ch_e2', created: S + 3600 }));
    await processPending(deps);
    const tools = jobsOf(db, 'pi_test_1').map((j) => j.tool);
    expect(tools.filter((t) => t === 'escalate_to_human')).toHaveLength(1);
    expect(tools).toContain('slack_reply');
  });

  it('keys an invoice payment by the invoice and counts its PaymentIntent events once', async () => {
    const { deps, db } = makeDeps();
    ingest(
      db,
      simpleEvent('invoice.payment_failed', {
        id: 'in_pre',
        object: 'invoice',
        charge: 'ch_inv',
        payment_intent: 'pi_inv',
        amount_due: 2000,
        currency: 'usd',
        customer: 'cus_test_1',
        attempt_count: 1,
        next_payment_attempt: null,
      }),
    );
    ingest(db, piFailed({ pi: 'pi_inv', charge: 'ch_inv', invoice: 'in_pre' }));
    await processPending(deps);
    expect(rows(db, 'SELECT id, kind, failure_count FROM cases')).toEqual([
      { id: 'in_pre', kind: 'invoice', failure_count: 1 },
    ]);
  });

  it('links a basil invoice to its PaymentIntent through live facts, one attempt once', async () => {
    const liveFacts = {
      fetch: async () => ({
        status: 'open',
        nextPaymentAttempt: null,
        attemptCount: 1,
        paymentIntentIds: ['pi_basil'],
      }),
    };
    const { deps, db } = makeDeps({ liveFacts });
    ingest(
      db,
      simpleEvent('invoice.payment_failed', {
        id: 'in_basil',
        object: 'invoice',
        amount_due: 24900,
        currency: 'usd',
        customer: 'cus_test_1',
        attempt_count: 1,
        next_payment_attempt: null,
        parent: { subscription_details: { subscription: 'sub_1' } },
      }),
    );
    await processPending(deps);
    ingest(db, piFailed({ pi: 'pi_basil', charge: 'ch_basil' }));
    await processPending(deps);
    expect(rows(db, 'SELECT id, failure_count, subscription_id FROM cases')).toEqual([
      { id: 'in_basil', failure_count: 1, subscription_id: 'sub_1' },
    ]);
    expect(rows(db, 'SELECT charge_id FROM failures')).toEqual([{ charge_id: 'ch_basil' }]);
  });

  it('only notifies when Stripe Billing has its own retry booked', async () => {
    const { deps, db } = makeDeps();
    ingest(
      db,
      simpleEvent('invoice.payment_failed', {
        id: 'in_booked',
        object: 'invoice',
        charge: 'ch_booked',
        amount_due: 2000,
        currency: 'usd',
        customer: 'cus_test_1',
        attempt_count: 1,
        next_payment_attempt: S + 86_400,
      }),
    );
    await processPending(deps);
    expect(jobsOf(db, 'in_booked').map((j) => j.tool)).toEqual(['notify_customer']);
    const d = listDecisions(db, 'in_booked')[0]!;
    expect(d.proposals.find((p) => p.tool === 'retry_payment')).toBeUndefined();
    expect((d.context as { billing: { retryBooked: boolean } }).billing.retryBooked).toBe(true);
  });

  it('writes nothing until the decision commits (a crash mid-decision leaves the row pending)', async () => {
    let release: () => void = () => {};
    const hanging: Planner = {
      name: 'claude',
      propose: () =>
        new Promise((_, reject) => {
          release = () => reject(new Error('process died'));
        }),
    };
    const { deps, db } = makeDeps({ planner: hanging });
    ingest(db, piFailed());
    const pass = processPending(deps);
    await new Promise((r) => setTimeout(r, 20));
    expect(inbox(db)[0]!.status).toBe('pending');
    expect(rows(db, 'SELECT COUNT(*) AS n FROM failures')[0]!.n).toBe(0);
    expect(rows(db, 'SELECT COUNT(*) AS n FROM cases')[0]!.n).toBe(0);
    release();
    await pass;
  });

  it('stops after the decisions in flight are recorded', async () => {
    const { deps, db } = makeDeps();
    deps.pollMs = 5;
    ingest(db, piFailed());
    const worker = startWorker(deps);
    await new Promise((r) => setTimeout(r, 50));
    await worker.stop();
    expect(inbox(db)[0]!.status).toBe('done');
  });

  const fixture = '/work/shared/fixtures/stripe/payment_intent.payment_failed__stripe-ruby-mock.json';
  it.runIf(existsSync(fixture))(
    'decides on the shared payload with a null customer and the old charges list',
    async () => {
      const { deps, db } = makeDeps();
      const event = JSON.parse(readFileSync(fixture, 'utf8'));
      ingest(db, event);
      ingest(
        db,
        JSON.parse(readFileSync(fixture.replace('payment_intent.payment_failed', 'charge.failed'), 'utf8')),
      );
      await processPending(deps);
      expect(rows(db, 'SELECT attempt_key FROM failures')).toEqual([
        { attempt_key: 'ch_000000000000000000000000' },
      ]);
      const ctx = listDecisions(db, 'pi_000000000000000000000000')[0]!.context as {
        failure: { chargeSource: string };
      };
      expect(ctx.failure.chargeSource).toBe('last_payment_error.charge');
    },
  );
});

describe('worker on an escalated case', () => {
  it('notes a card update in the escalation thread', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ decline: { decline_code: 'lost_card' } }));
    await processPending(deps);
    ingest(
      db,
      simpleEvent(
        'payment_method.attached',
        { id: 'pm_new', object: 'payment_method', customer: 'cus_test_1' },
        S + 600,
      ),
    );
    await processPending(deps);
    const jobs = jobsOf(db, 'pi_test_1');
    expect(jobs.find((j) => j.tool === 'slack_reply')?.args).toMatchObject({ event: 'note' });
    expect(jobs.find((j) => j.tool === 'retry_payment')?.args).toMatchObject({ paymentMethodId: 'pm_new' });
  });
});

describe('invoice attempts without charges', () => {
  it('counts two numbered invoice attempts twice, even minutes apart', async () => {
    const { deps, db } = makeDeps();
    const invoice = (attempt: number, created: number) =>
      simpleEvent(
        'invoice.payment_failed',
        {
          id: 'in_num',
          object: 'invoice',
          amount_due: 500,
          currency: 'usd',
          customer: 'cus_n',
          attempt_count: attempt,
        },
        created,
      );
    ingest(db, invoice(1, S));
    await processPending(deps);
    db.prepare(`UPDATE jobs SET state = 'done'`).run();
    ingest(db, invoice(2, S + 5));
    await processPending(deps);
    expect(rows(db, 'SELECT attempt_key FROM failures ORDER BY id')).toEqual([
      { attempt_key: 'in_num#1' },
      { attempt_key: 'in_num#2' },
    ]);
  });
});

describe('a row the worker cannot read', () => {
  it('is marked failed with the error instead of blocking the inbox', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed());
    db.prepare(`UPDATE inbox SET event_json = '{broken'`).run();
    ingest(db, piFailed({ pi: 'pi_next' }));
    await processPending(deps);
    expect(inbox(db).map((r) => r.status)).toEqual(['failed', 'done']);
    expect(inbox(db)[0]!.reason).toMatch(/^error: /);
  });
});

describe('payment_intent.requires_action', () => {
  const event = (charges: unknown[]) =>
    simpleEvent('payment_intent.requires_action', {
      id: 'pi_ra',
      object: 'payment_intent',
      amount: 1000,
      currency: 'eur',
      customer: 'cus_ra',
      last_payment_error: null,
      charges: { object: 'list', data: charges },
    });

  it('is a failure needing authentication when its charge was declined', async () => {
    const { deps, db } = makeDeps();
    ingest(
      db,
      event([
        {
          id: 'ch_ra',
          status: 'failed',
          failure_code: 'authentication_required',
          outcome: { type: 'issuer_declined', reason: 'authentication_required' },
        },
      ]),
    );
    await processPending(deps);
    expect(jobsOf(db, 'pi_ra').map((j) => [j.tool, j.args.template])).toEqual([
      ['notify_customer', 'authenticate'],
    ]);
  });

  it('is skipped while an on-session payment waits for 3D Secure', async () => {
    const { deps, db } = makeDeps();
    ingest(db, event([]));
    await processPending(deps);
    expect(inbox(db)[0]).toMatchObject({
      status: 'skipped',
      reason: 'requires_action without a failed attempt',
    });
  });
});

describe('a dispute on a case whose escalation is still pending', () => {
  it('keeps that escalation instead of canceling it', async () => {
    const { deps, db } = makeDeps();
    ingest(db, piFailed({ charge: 'ch_dp', decline: { decline_code: 'lost_card' } }));
    await processPending(deps);
    ingest(db, simpleEvent('charge.dispute.created', { id: 'dp_2', object: 'dispute', charge: 'ch_dp' }));
    await processPending(deps);
    const jobs = jobsOf(db, 'pi_test_1');
    expect(jobs.find((j) => j.tool === 'escalate_to_human')).toMatchObject({ state: 'pending' });
    expect(jobs.find((j) => j.tool === 'notify_customer')).toMatchObject({ state: 'canceled' });
  });
});
