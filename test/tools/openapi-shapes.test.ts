/**
 * The executors against the objects Stripe's own OpenAPI fixtures describe (read at test time,
 * never copied): full PaymentIntent, invoice and customer shapes, with only the fields a
 * scenario needs changed.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StripeObject } from '../../src/fakes/fake-stripe-objects.ts';
import { type FakeStripe, startFakeStripe } from '../../src/fakes/fake-stripe.ts';
import { type SmtpCatcher, startSmtpCatcher } from '../../src/fakes/smtp-catcher.ts';
import { getJob } from '../../src/store/jobs.ts';
import { makeExecutors } from '../../src/tools/executors.ts';
import { makeMailer } from '../../src/tools/mailer.ts';
import { runDueJobs } from '../../src/tools/scheduler.ts';
import { jobKeys } from '../../src/tools/schemas.ts';
import { makeStripe } from '../../src/tools/stripe-client.ts';
import { addJob, insertCase, T0, world } from './helpers.ts';

const FIXTURES = new URL('../../../shared/fixtures/stripe-openapi/fixtures3.json', import.meta.url);
const resources = (JSON.parse(readFileSync(FIXTURES, 'utf8')) as { resources: Record<string, StripeObject> })
  .resources;

let fake: FakeStripe;
let smtp: SmtpCatcher;
beforeEach(async () => {
  [fake, smtp] = await Promise.all([startFakeStripe(), startSmtpCatcher()]);
});
afterEach(async () => {
  await Promise.all([fake.close(), smtp.close()]);
});

function setup() {
  const w = world({ SMTP_URL: smtp.url });
  const stripe = makeStripe({ secretKey: 'sk_test_fake', apiBase: fake.url, maxNetworkRetries: 0 });
  const executors = makeExecutors({
    db: w.db,
    config: w.config,
    log: w.log,
    clock: w.clock,
    shadow: false,
    stripe,
    mailer: makeMailer(w.config, w.log),
  });
  const run = () =>
    runDueJobs({ db: w.db, config: w.config, log: w.log, metrics: w.metrics, clock: w.clock, executors });
  return { ...w, run };
}

describe('real Stripe object shapes', () => {
  it('retries the OpenAPI PaymentIntent with the payment method the agent recorded', async () => {
    const s = setup();
    const pi = structuredClone(resources.payment_intent!);
    fake.paymentIntents.set(pi.id, pi);
    insertCase(s.db, { id: pi.id, amount: pi.amount as number, currency: pi.currency as string });
    const id = addJob(s.db, {
      caseId: pi.id,
      tool: 'retry_payment',
      args: { attempt: 1, failureKey: 'ch_x', paymentMethodId: 'pm_card_visa' },
      key: jobKeys.retry(pi.id, 1),
      dueAt: T0,
    });
    await s.run();
    expect(getJob(s.db, id)?.state).toBe('done');
    expect(fake.paymentIntents.get(pi.id)?.status).toBe('succeeded');
  });

  it('skips the OpenAPI invoice while it is a draft', async () => {
    const s = setup();
    const inv = structuredClone(resources.invoice!);
    fake.invoices.set(inv.id, inv);
    insertCase(s.db, { id: inv.id, kind: 'invoice' });
    const id = addJob(s.db, {
      caseId: inv.id,
      tool: 'retry_payment',
      args: { attempt: 1, failureKey: 'k' },
      key: 'r',
      dueAt: T0,
    });
    await s.run();
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({ reason: 'invoice is still a draft' });
    expect(fake.calls('POST')).toHaveLength(0);
  });

  it('notifies the OpenAPI customer once it has an e-mail', async () => {
    const s = setup();
    const customer = { ...structuredClone(resources.customer!), email: 'ops@example.test' };
    fake.customers.set(customer.id, customer);
    insertCase(s.db, { id: 'pi_shape', customerId: customer.id, amount: 1000, currency: 'usd' });
    addJob(s.db, {
      caseId: 'pi_shape',
      tool: 'notify_customer',
      args: { template: 'card_expired', failureKey: 'ch_1' },
      key: 'n',
      dueAt: T0,
    });
    await s.run();
    expect(smtp.messages.map((m) => [m.to[0], m.subject])).toEqual([
      ['ops@example.test', 'Your card on file with Acme Tea has expired'],
    ]);
  });
});
