import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../src/fakes/fake-slack.ts';
import { type FakeStripe, startFakeStripe } from '../../src/fakes/fake-stripe.ts';
import { type SmtpCatcher, startSmtpCatcher } from '../../src/fakes/smtp-catcher.ts';
import { listJobs } from '../../src/store/jobs.ts';
import { makeExecutors } from '../../src/tools/executors.ts';
import { makeMailer } from '../../src/tools/mailer.ts';
import { runDueJobs } from '../../src/tools/scheduler.ts';
import { jobKeys } from '../../src/tools/schemas.ts';
import { makeSlack } from '../../src/tools/slack-client.ts';
import { addJob, insertCase, T0, world } from './helpers.ts';

let stripe: FakeStripe;
let slack: FakeSlack;
let smtp: SmtpCatcher;
beforeEach(async () => {
  [stripe, slack, smtp] = await Promise.all([startFakeStripe(), startFakeSlack(), startSmtpCatcher()]);
});
afterEach(async () => {
  await Promise.all([stripe.close(), slack.close(), smtp.close()]);
});

describe('shadow mode', () => {
  it('runs and records every job while Stripe, SMTP and Slack receive nothing', async () => {
    const w = world({
      SMTP_URL: smtp.url,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_CHANNEL: 'C1',
      SLACK_API_URL: slack.url,
    });
    const executors = makeExecutors({
      db: w.db,
      config: w.config,
      log: w.log,
      clock: w.clock,
      shadow: true,
      slack: makeSlack(w.config),
      mailer: makeMailer(w.config, w.log),
    });
    insertCase(w.db, {
      id: 'pi_sh',
      amount: 5000,
      currency: 'jpy',
      facts: { customerEmail: 'c@example.test', failedPaymentMethodId: 'pm_1' },
    });
    const job = (
      tool: 'retry_payment' | 'notify_customer' | 'escalate_to_human' | 'slack_reply',
      args: unknown,
      key: string,
    ) => addJob(w.db, { caseId: 'pi_sh', tool, args, key, dueAt: T0 });
    job('retry_payment', { attempt: 1, failureKey: 'ch_1' }, jobKeys.retry('pi_sh', 1));
    job(
      'notify_customer',
      { template: 'first_failure', failureKey: 'ch_1' },
      jobKeys.notify('pi_sh', 'ch_1', 'first_failure'),
    );
    job('escalate_to_human', { kind: 'case', reason: 'third failure' }, jobKeys.escalate('pi_sh'));
    job('slack_reply', { event: 'closed', text: 'closed' }, jobKeys.reply('pi_sh', 1));
    await runDueJobs({
      db: w.db,
      config: w.config,
      log: w.log,
      metrics: w.metrics,
      clock: w.clock,
      executors,
    });

    expect(stripe.requests).toHaveLength(0);
    expect(slack.requests).toHaveLength(0);
    expect(smtp.messages).toHaveLength(0);
    const jobs = listJobs(w.db, 'pi_sh');
    expect(jobs.map((j) => j.state)).toEqual(['done', 'done', 'done', 'done']);
    for (const j of jobs)
      expect(JSON.parse(j.result_json!)).toMatchObject({ shadow: true, wouldHave: expect.anything() });
    expect(readdirSync(join(w.dir, 'outbox'))).toHaveLength(1);
  });
});
