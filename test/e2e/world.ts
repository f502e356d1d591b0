/**
 * One process, every stage for real: the ingress over HTTP on 127.0.0.1, the worker, the
 * scheduler and the executors behind the real Stripe, Slack and nodemailer clients, against the
 * local stand-ins. Time is a manual clock, so "retry in 2 s" is a call to `advance`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRulesPlanner } from '../../src/agent/rules-planner.ts';
import { PolicySchema } from '../../src/agent/policy.ts';
import { makeLiveFacts } from '../../src/agent/live-facts.ts';
import { processPending } from '../../src/agent/worker.ts';
import { manualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { startFakeSlack } from '../../src/fakes/fake-slack.ts';
import { startFakeStripe } from '../../src/fakes/fake-stripe.ts';
import { startSmtpCatcher } from '../../src/fakes/smtp-catcher.ts';
import { startHttpServer } from '../../src/ingress/server.ts';
import { silentLogger } from '../../src/log.ts';
import { makeMetrics } from '../../src/metrics.ts';
import { openDatabase } from '../../src/store/db.ts';
import { makeExecutors } from '../../src/tools/executors.ts';
import { makeMailer } from '../../src/tools/mailer.ts';
import { runDueJobs } from '../../src/tools/scheduler.ts';
import { makeSlack } from '../../src/tools/slack-client.ts';
import { makeStripe } from '../../src/tools/stripe-client.ts';

export const T0 = Date.UTC(2026, 10, 2, 12, 0, 0);

/** Starts the stand-ins and the daemon's stages; `close()` stops everything. */
export async function startWorld(options: { shadow?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'billing-agent-e2e-'));
  const fakeStripe = await startFakeStripe();
  const fakeSlack = await startFakeSlack();
  const smtp = await startSmtpCatcher();
  const config = loadConfig(
    { port: '0', db: join(dir, 'agent.db'), outbox: join(dir, 'outbox'), shadow: options.shadow ?? false },
    {
      STRIPE_SECRET_KEY: 'sk_test_e2e',
      STRIPE_API_BASE: fakeStripe.url,
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_CHANNEL: 'C0BILLING',
      SLACK_API_URL: fakeSlack.url,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'billing@acme.test',
      MERCHANT_NAME: 'Acme Tea',
    },
  );
  const db = openDatabase(config.databasePath);
  const clock = manualClock(T0);
  const metrics = makeMetrics();
  const log = silentLogger;
  const stripe = makeStripe({ secretKey: 'sk_test_e2e', apiBase: fakeStripe.url, maxNetworkRetries: 0 });
  const mailer = makeMailer(config, log);
  const policy = PolicySchema.parse({ retryDelays: ['2s', '2s'], escalateAfterFailures: 3 });
  const base = { db, config, log, metrics, clock };
  const workerDeps = {
    ...base,
    planner: makeRulesPlanner(),
    policy,
    prompt: { text: 'policy', hash: 'e2e' },
    liveFacts: makeLiveFacts(stripe, log),
  };
  const schedulerDeps = {
    ...base,
    executors: makeExecutors({
      ...base,
      shadow: options.shadow ?? false,
      stripe,
      slack: makeSlack(config),
      mailer,
    }),
  };
  const server = await startHttpServer(base);

  /** Posts a Stripe event the way `kite proxy` delivers it. */
  const deliver = async (event: { id: string; type: string }) => {
    const response = await fetch(`${server.url}/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': `ce-${event.id}`,
        'ce-source': 'https://hooks.getkite.sh/hooks/team/stripe',
        'ce-type': `com.stripe.${event.type}`,
      },
      body: JSON.stringify(event),
    });
    if (response.status !== 200) throw new Error(`delivery answered ${response.status}`);
  };

  /** Lets the agent and the scheduler work until nothing is left to do at this time. */
  const settle = async () => {
    for (let round = 0; round < 20; round++) {
      const decided = await processPending(workerDeps);
      const ran = await runDueJobs(schedulerDeps);
      if (decided === 0 && ran === 0) return;
    }
    throw new Error('the world did not settle');
  };

  const close = async () => {
    await server.close();
    mailer.close?.();
    db.close();
    await Promise.all([fakeStripe.close(), fakeSlack.close(), smtp.close()]);
  };

  return { db, clock, config, fakeStripe, fakeSlack, smtp, deliver, settle, close };
}

/** A `payment_intent.payment_failed` event as Stripe renders it today, for a PaymentIntent the fake knows. */
export function failedEvent(
  pi: { id: string; amount: number; currency: string; customer: string; latest_charge: string },
  decline: { code: string; decline_code?: string },
  createdMs: number,
) {
  return {
    id: `evt_${pi.latest_charge}`,
    object: 'event',
    type: 'payment_intent.payment_failed',
    api_version: '2026-11-18.endive',
    created: Math.floor(createdMs / 1000),
    livemode: false,
    data: {
      object: {
        id: pi.id,
        object: 'payment_intent',
        amount: pi.amount,
        currency: pi.currency,
        customer: pi.customer,
        status: 'requires_payment_method',
        latest_charge: pi.latest_charge,
        last_payment_error: {
          type: 'card_error',
          charge: pi.latest_charge,
          ...decline,
          payment_method: { id: 'pm_e2e_visa', object: 'payment_method', card: { brand: 'visa' } },
        },
      },
    },
  };
}
