import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeStripe, startFakeStripe } from '../../src/fakes/fake-stripe.ts';
import { type SmtpCatcher, startSmtpCatcher } from '../../src/fakes/smtp-catcher.ts';
import { getJob, getJobByKey } from '../../src/store/jobs.ts';
import { getMeta, META_KEYS } from '../../src/store/meta.ts';
import { getNotice, listNotices } from '../../src/store/notices.ts';
import type { CaseFacts } from '../../src/store/case-facts.ts';
import { makeExecutors } from '../../src/tools/executors.ts';
import { makeMailer } from '../../src/tools/mailer.ts';
import { runDueJobs } from '../../src/tools/scheduler.ts';
import { jobKeys, type NoticeTemplate } from '../../src/tools/schemas.ts';
import { makeStripe } from '../../src/tools/stripe-client.ts';
import { addJob, type CaseInit, insertCase, T0, world } from './helpers.ts';

let smtp: SmtpCatcher;
let fake: FakeStripe;
beforeEach(async () => {
  smtp = await startSmtpCatcher();
  fake = await startFakeStripe();
});
afterEach(async () => {
  await smtp.close();
  await fake.close();
});

function setup(
  options: { smtpUrl?: string | null; shadow?: boolean; stripe?: boolean; env?: Record<string, string> } = {},
) {
  const smtpUrl = options.smtpUrl === undefined ? smtp.url : options.smtpUrl;
  const w = world({
    ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}),
    MAIL_FROM: 'billing@acme.test',
    ...options.env,
  });
  const mailer = makeMailer(w.config, w.log);
  const stripe = options.stripe
    ? makeStripe({ secretKey: 'sk_test_fake', apiBase: fake.url, maxNetworkRetries: 0 })
    : undefined;
  const executors = makeExecutors({
    db: w.db,
    config: w.config,
    log: w.log,
    clock: w.clock,
    shadow: options.shadow ?? false,
    mailer,
    ...(stripe ? { stripe } : {}),
  });
  const run = () =>
    runDueJobs({ db: w.db, config: w.config, log: w.log, metrics: w.metrics, clock: w.clock, executors });
  const notify = (caseId: string, template: NoticeTemplate = 'first_failure', failureKey = 'ch_1') =>
    addJob(w.db, {
      caseId,
      tool: 'notify_customer',
      args: { template, failureKey },
      key: jobKeys.notify(caseId, failureKey, template),
      dueAt: T0,
    });
  const withCase = (c: CaseInit) => insertCase(w.db, c);
  return { ...w, run, notify, withCase, mailer };
}

const contact: CaseFacts = { customerEmail: 'hanako@example.test' };

describe('notify_customer', () => {
  it.each([
    [5000, 'jpy', '¥5,000'],
    [1999, 'usd', '$19.99'],
    [1250, 'eur', '€12.50'],
  ])('e-mails %i %s as %s to the customer over SMTP', async (amount, currency, shown) => {
    const s = setup();
    s.withCase({ id: 'pi_m', amount, currency, facts: contact });
    const id = s.notify('pi_m');
    await s.run();
    expect(getJob(s.db, id)?.state).toBe('done');
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.to).toEqual(['hanako@example.test']);
    expect(mail.from).toBe('billing@acme.test');
    expect(mail.subject).toBe(`Your payment of ${shown} to Acme Tea did not go through`);
    expect(mail.text).toContain(`payment of ${shown} to Acme Tea`);
    if (currency === 'jpy') expect(mail.text).not.toContain('50.00');
    expect(mail.headers['x-case-id']).toBe('pi_m');
    expect(getNotice(s.db, { caseId: 'pi_m', failureKey: 'ch_1', template: 'first_failure' })?.status).toBe(
      'sent',
    );
  });

  it('links the invoice page when there is one, else the configured link template', async () => {
    const s = setup({
      env: { PAYMENT_LINK_TEMPLATE: 'https://acme.test/pay?c={customer}&pi={payment_intent}&case={case}' },
    });
    s.withCase({
      id: 'in_1',
      kind: 'invoice',
      customerId: 'cus_1',
      facts: { ...contact, hostedInvoiceUrl: 'https://invoice.stripe.com/i/in_1' },
    });
    s.withCase({ id: 'pi_l', customerId: 'cus_2', facts: contact });
    s.notify('in_1', 'update_payment_method');
    s.notify('pi_l', 'update_payment_method');
    await s.run();
    const byCase = Object.fromEntries(smtp.messages.map((m) => [m.headers['x-case-id'], m.text]));
    expect(byCase.in_1).toContain('https://invoice.stripe.com/i/in_1');
    expect(byCase.pi_l).toContain('https://acme.test/pay?c=cus_2&pi=pi_l&case=pi_l');
  });

  it('takes the address from Stripe: customer, else receipt_email, else the charge’s billing e-mail', async () => {
    const s = setup({ stripe: true });
    fake.addCustomer({ id: 'cus_a', email: 'a@example.test' });
    fake.addCustomer({ id: 'cus_none', email: null });
    fake.addPaymentIntent({ id: 'pi_a', customer: 'cus_a' });
    fake.addPaymentIntent({ id: 'pi_b', customer: 'cus_none', receipt_email: 'b@example.test' });
    fake.addPaymentIntent({ id: 'pi_c', customer: null, last_payment_error: { charge: 'ch_c' } });
    fake.charges.set('ch_c', { id: 'ch_c', object: 'charge', billing_details: { email: 'c@example.test' } });
    s.withCase({ id: 'pi_a', customerId: 'cus_a', facts: { customerEmail: 'stale@example.test' } });
    s.withCase({ id: 'pi_b', customerId: 'cus_none' });
    s.withCase({ id: 'pi_c', customerId: null });
    for (const c of ['pi_a', 'pi_b', 'pi_c']) s.notify(c);
    await s.run();
    const to = Object.fromEntries(smtp.messages.map((m) => [m.headers['x-case-id'], m.to[0]]));
    expect(to).toEqual({ pi_a: 'a@example.test', pi_b: 'b@example.test', pi_c: 'c@example.test' });
    expect(fake.calls('POST')).toHaveLength(0);
  });

  it('sends at most once per case, failure and template', async () => {
    const s = setup();
    s.withCase({ id: 'pi_once', facts: contact });
    const id = s.notify('pi_once');
    await s.run();
    s.db.prepare(`UPDATE jobs SET state = 'pending' WHERE id = ?`).run(id);
    await s.run();
    s.notify('pi_once', 'first_failure', 'ch_2');
    await s.run();
    expect(smtp.messages).toHaveLength(2);
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({
      outcome: 'skipped',
      reason: 'notice already sent',
    });
  });

  it('does not send again after a crash mid-send (the reservation stays)', async () => {
    const s = setup();
    s.withCase({ id: 'pi_crash', facts: contact });
    const id = s.notify('pi_crash');
    s.db
      .prepare(
        `INSERT INTO notices (case_id, failure_key, template, job_id, status, created_at) VALUES ('pi_crash', 'ch_1', 'first_failure', ?, 'sending', ?)`,
      )
      .run(id, T0);
    await s.run();
    expect(smtp.messages).toHaveLength(0);
    expect(getJob(s.db, id)?.state).toBe('skipped');
    expect(s.lines.some((l) => l.msg === 'notice outcome unknown; not sending again')).toBe(true);
  });

  it('records no_address and escalates instead of failing silently', async () => {
    const s = setup();
    s.withCase({ id: 'pi_noaddr', facts: {} });
    const id = s.notify('pi_noaddr');
    await s.run();
    expect(smtp.messages).toHaveLength(0);
    expect(getJob(s.db, id)).toMatchObject({ state: 'failed', attempts: 1 });
    expect(listNotices(s.db, 'pi_noaddr').map((n) => n.status)).toEqual(['no_address']);
    const esc = getJobByKey(s.db, jobKeys.escalate('pi_noaddr'));
    expect(JSON.parse(esc!.args_json)).toMatchObject({ kind: 'could_not_act' });
    expect(JSON.parse(esc!.args_json).reason).toContain('no_address');
  });

  it('retries a temporary SMTP refusal and sends once', async () => {
    const s = setup();
    s.withCase({ id: 'pi_450', facts: contact });
    const id = s.notify('pi_450');
    smtp.rejectNext(450);
    await s.run();
    expect(getJob(s.db, id)?.state).toBe('pending');
    expect(listNotices(s.db, 'pi_450').map((n) => n.status)).toEqual(['failed']);
    s.clock.set(getJob(s.db, id)!.due_at);
    await s.run();
    expect(getJob(s.db, id)?.state).toBe('done');
    expect(smtp.messages).toHaveLength(1);
  });

  it('stops at once on a permanent SMTP refusal', async () => {
    const s = setup();
    s.withCase({ id: 'pi_550', facts: contact });
    const id = s.notify('pi_550');
    smtp.rejectNext(550);
    await s.run();
    expect(getJob(s.db, id)?.state).toBe('failed');
    expect(getJob(s.db, id)?.last_error).toContain('mail_refused');
  });

  it('marks bad SMTP credentials as a configuration fault', async () => {
    const authed = await startSmtpCatcher({ auth: { user: 'u', pass: 'right' } });
    try {
      const s = setup({ smtpUrl: authed.url.replace('right', 'wrong') });
      s.withCase({ id: 'pi_auth', facts: contact });
      const id = s.notify('pi_auth');
      await s.run();
      expect(getJob(s.db, id)?.state).toBe('failed');
      expect(getMeta(s.db, META_KEYS.smtpConfigFault)).toMatchObject({
        error: expect.stringContaining('EAUTH'),
      });
      expect(authed.messages).toHaveLength(0);
    } finally {
      await authed.close();
    }
  });

  it('writes an .eml file to the outbox without SMTP and logs where', async () => {
    const s = setup({ smtpUrl: null });
    s.withCase({ id: 'pi_box', amount: 5000, currency: 'jpy', facts: contact });
    const id = s.notify('pi_box', 'last_notice');
    await s.run();
    const notice = listNotices(s.db, 'pi_box')[0]!;
    expect(notice.status).toBe('outbox');
    expect(existsSync(notice.outbox_path!)).toBe(true);
    const eml = readFileSync(notice.outbox_path!, 'utf8');
    expect(eml).toContain('To: hanako@example.test');
    expect(s.lines.find((l) => l.msg === 'notice written to outbox')?.path).toBe(notice.outbox_path);
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({ status: 'outbox' });
  });

  it('renders to the outbox and sends nothing in shadow mode', async () => {
    const s = setup({ shadow: true, stripe: true });
    fake.addCustomer({ id: 'cus_sh', email: 'sh@example.test' });
    s.withCase({ id: 'pi_sh', customerId: 'cus_sh' });
    const id = s.notify('pi_sh');
    await s.run();
    expect(smtp.messages).toHaveLength(0);
    expect(fake.calls('POST')).toHaveLength(0);
    expect(readdirSync(join(s.dir, 'outbox'))).toHaveLength(1);
    expect(getJob(s.db, id)?.state).toBe('done');
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({
      shadow: true,
      wouldHave: { send: { status: 'outbox' } },
    });
  });
});
