import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLiveFacts } from '../../src/agent/live-facts.ts';
import { processPending } from '../../src/agent/worker.ts';
import { silentLogger } from '../../src/log.ts';
import { listDecisions } from '../../src/store/decisions.ts';
import { makeStripe } from '../../src/tools/stripe-client.ts';
import { piFailed, simpleEvent } from './builders.ts';
import { ingest, inbox, jobsOf, makeDeps, rows } from './harness.ts';

let server: ReturnType<express.Express['listen']>;
let base = '';
const seen: string[] = [];

beforeAll(async () => {
  const app = express();
  app.get('/v1/invoices/:id', (req, res) => {
    seen.push(req.originalUrl);
    res.json({
      id: req.params.id,
      object: 'invoice',
      status: 'open',
      next_payment_attempt: 1_900_000_000,
      attempt_count: 2,
      payments: {
        object: 'list',
        data: [{ payment: { type: 'payment_intent', payment_intent: 'pi_live_1' } }],
      },
    });
  });
  app.get('/v1/payment_intents/:id', (req, res) => {
    seen.push(req.originalUrl);
    res.json({
      id: req.params.id,
      object: 'payment_intent',
      status: req.params.id === 'pi_paid' ? 'succeeded' : 'requires_payment_method',
    });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const live = () =>
  makeLiveFacts(makeStripe({ secretKey: 'sk_test_fake', apiBase: base, maxNetworkRetries: 0 }), silentLogger);

describe('live facts through the Stripe SDK', () => {
  it('reads an invoice with its payments, next attempt and attempt count', async () => {
    const snapshot = await live().fetch({ paymentIntentId: null, invoiceId: 'in_live_1' });
    expect(snapshot).toEqual({
      status: 'open',
      nextPaymentAttempt: 1_900_000_000,
      attemptCount: 2,
      paymentIntentIds: ['pi_live_1'],
    });
    expect(seen.at(-1)).toContain('expand');
  });

  it('defers to a retry Stripe Billing has booked', async () => {
    const { deps, db } = makeDeps({ liveFacts: live() });
    ingest(db, piFailed({ pi: 'pi_live_1', invoice: 'in_live_2' }));
    await processPending(deps);
    const d = listDecisions(db, 'in_live_2')[0]!;
    expect((d.context as { billing: unknown }).billing).toMatchObject({
      retryBooked: true,
      source: 'live',
      attemptCount: 2,
    });
    expect(jobsOf(db, 'in_live_2').map((j) => j.tool)).toEqual(['notify_customer']);
  });

  it('closes instead of deciding when the payment already succeeded', async () => {
    const { deps, db } = makeDeps({ liveFacts: live() });
    ingest(db, piFailed({ pi: 'pi_paid', charge: 'ch_p1' }));
    await processPending(deps);
    expect(inbox(db)[0]).toMatchObject({ status: 'skipped', reason: 'live status succeeded: nothing to do' });
  });

  it('decides without live facts when Stripe cannot be reached', async () => {
    const broken = makeLiveFacts(
      makeStripe({
        secretKey: 'sk_test_fake',
        apiBase: 'http://127.0.0.1:9',
        maxNetworkRetries: 0,
        timeoutMs: 500,
      }),
      silentLogger,
    );
    const { deps, db } = makeDeps({ liveFacts: broken });
    ingest(db, piFailed());
    await processPending(deps);
    const d = listDecisions(db, 'pi_test_1')[0]!;
    expect((d.context as { live: { error: string | null } }).live.error).toBeTruthy();
    expect(jobsOf(db, 'pi_test_1').map((j) => j.tool)).toEqual(['retry_payment', 'notify_customer']);
  });
});

describe('basil invoices without a link', () => {
  it('closes the PaymentIntent case and the invoice case on invoice_payment.paid', async () => {
    const { deps, db } = makeDeps();
    ingest(
      db,
      simpleEvent('invoice.payment_failed', {
        id: 'in_b',
        object: 'invoice',
        amount_due: 100,
        currency: 'usd',
        customer: 'cus_test_1',
        attempt_count: 1,
      }),
    );
    ingest(db, piFailed({ pi: 'pi_b' }));
    await processPending(deps);
    ingest(
      db,
      simpleEvent('invoice_payment.paid', {
        id: 'inpay_b',
        object: 'invoice_payment',
        invoice: 'in_b',
        amount_paid: 100,
        payment: { type: 'payment_intent', payment_intent: 'pi_b' },
      }),
    );
    await processPending(deps);
    expect(rows(db, `SELECT id, status FROM cases ORDER BY id`)).toEqual([
      { id: 'in_b', status: 'closed' },
      { id: 'pi_b', status: 'closed' },
    ]);
  });
});
