/**
 * A processor outage: 5,000 `processing_error` failures, one per case, within one minute, with
 * a test-mode policy whose first retry waits only 5 s (so, unchecked, 5,000 retries would fire
 * within seconds). Side by side in one run: the default storm detection (20 cases in 1 minute,
 * hold 15 minutes) and the same policy with detection out of reach (threshold 1,000,000). For
 * each: the worker decides every event (manual clock at the end of the minute), then the
 * scheduler runs, for real against the local fake Stripe, Slack and SMTP server, every job due in
 * the first two minutes after the storm. Reported: what was decided, what was sent (Stripe
 * confirms, e-mails, Slack messages), and how many retries are held and until when.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { manualClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { parsePolicy } from '../src/agent/policy.ts';
import { makeRulesPlanner } from '../src/agent/rules-planner.ts';
import { processPending } from '../src/agent/worker.ts';
import { startFakeSlack } from '../src/fakes/fake-slack.ts';
import { startFakeStripe } from '../src/fakes/fake-stripe.ts';
import { startSmtpCatcher } from '../src/fakes/smtp-catcher.ts';
import { silentLogger } from '../src/log.ts';
import { makeMetrics } from '../src/metrics.ts';
import { makeExecutors } from '../src/tools/executors.ts';
import { makeMailer } from '../src/tools/mailer.ts';
import { runDueJobs } from '../src/tools/scheduler.ts';
import { makeSlack } from '../src/tools/slack-client.ts';
import { makeStripe } from '../src/tools/stripe-client.ts';
import type { BenchResult, BenchRow } from './result.ts';
import { benchDb, failureEvent, machineNote, round, storeEvents } from './support.ts';

const FAILURES = 5_000;
const SPREAD_MS = 60_000;
const AFTER_MS = 120_000;
const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);

async function outage(label: string, storm: Record<string, unknown>) {
  const [stripe, slack, smtp] = await Promise.all([startFakeStripe(), startFakeSlack(), startSmtpCatcher()]);
  const { dir, db } = benchDb(`storm-${label}`);
  const clock = manualClock(T0);
  const events = Array.from({ length: FAILURES }, (_, i) =>
    failureEvent(i, {
      run: label,
      code: 'processing_error',
      declineCode: null,
      createdMs: T0 + Math.floor((i * SPREAD_MS) / FAILURES),
    }),
  );
  for (const e of events) {
    const pi = e.data.object;
    stripe.addCustomer({ id: pi.customer, email: `${pi.customer}@example.com`, name: null });
    stripe.addPaymentIntent({
      id: pi.id,
      amount: pi.amount,
      currency: pi.currency,
      customer: pi.customer,
      latest_charge: pi.latest_charge,
      last_payment_error: pi.last_payment_error,
      metadata: {},
    });
  }
  storeEvents(db, events, clock);
  const config = loadConfig(
    {},
    {
      STRIPE_SECRET_KEY: 'sk_test_storm',
      STRIPE_API_BASE: stripe.url,
      SLACK_BOT_TOKEN: 'xoxb-storm',
      SLACK_CHANNEL: 'C0STORM',
      SLACK_API_URL: slack.url,
      SMTP_URL: smtp.url,
      OUTBOX_DIR: join(dir, 'outbox'),
    },
  );
  const policy = parsePolicy({ retryDelays: ['5s', '1m'], storm });
  const base = { db, config, log: silentLogger, metrics: makeMetrics(), clock };
  clock.set(T0 + SPREAD_MS);
  const decideStart = performance.now();
  const worker = { ...base, planner: makeRulesPlanner(), policy, prompt: { text: 'b', hash: 'b' } };
  while ((await processPending(worker, 1000)) > 0) {}
  const decideSeconds = (performance.now() - decideStart) / 1000;

  const count = (sql: string, ...args: unknown[]) => (db.prepare(sql).get(...args) as { n: number }).n;
  const due = (tool: string, within: number) =>
    count(
      `SELECT count(*) AS n FROM jobs WHERE tool = ? AND state = 'pending' AND due_at <= ?`,
      tool,
      T0 + SPREAD_MS + within,
    );
  const planned = {
    retriesDue2m: due('retry_payment', AFTER_MS),
    retriesDue10m: due('retry_payment', 10 * 60_000),
    retries: count(`SELECT count(*) AS n FROM jobs WHERE tool = 'retry_payment'`),
    notices: count(`SELECT count(*) AS n FROM jobs WHERE tool = 'notify_customer'`),
    escalations: count(`SELECT count(*) AS n FROM jobs WHERE tool = 'escalate_to_human'`),
    incidents: count(`SELECT count(*) AS n FROM jobs WHERE case_id LIKE 'incident:%'`),
    firstHeldUntil: (
      db
        .prepare(`SELECT min(due_at) AS m FROM jobs WHERE tool = 'retry_payment' AND due_at > ?`)
        .get(T0 + SPREAD_MS + AFTER_MS) as { m: number | null }
    ).m,
    decisions: count('SELECT count(*) AS n FROM decisions'),
  };
  // Carry out everything due in the two minutes after the outage, against the fakes.
  const stripeClient = makeStripe({ secretKey: 'sk_test_storm', apiBase: stripe.url });
  const mailer = makeMailer(config, silentLogger);
  const executors = makeExecutors({
    ...base,
    shadow: false,
    stripe: stripeClient,
    slack: makeSlack(config),
    mailer,
  });
  clock.set(T0 + SPREAD_MS + AFTER_MS);
  const runStart = performance.now();
  let ran = 0;
  for (let pass = 0; pass < 50; pass++) {
    const n = await runDueJobs({ ...base, executors, concurrency: 8 }, 2000);
    ran += n;
    if (n === 0) break;
  }
  const runSeconds = (performance.now() - runStart) / 1000;
  const sent = {
    confirms: stripe.calls('POST', /\/confirm$/).length,
    mails: smtp.messages.length,
    slack: slack.messages.filter((m) => !m.thread_ts).length,
    slackReplies: slack.messages.filter((m) => m.thread_ts).length,
    ran,
  };
  mailer.close?.();
  db.close();
  await Promise.all([stripe.close(), slack.close(), smtp.close()]);
  rmSync(dir, { recursive: true, force: true });
  return { planned, sent, decideSeconds, runSeconds };
}

/** Runs the benchmark (the `bench/run.ts` entry). */
export async function run(): Promise<BenchResult> {
  const on = await outage('on', { threshold: 20, window: '1m', holdFor: '15m' });
  const off = await outage('off', { threshold: 1_000_000, window: '1m', holdFor: '15m' });
  const row = (name: string, pick: (r: typeof on) => number, unit: string, target?: string): BenchRow => ({
    name,
    value: pick(on),
    unit,
    ...(target ? { target } : {}),
    comparison: `without detection: ${pick(off)}`,
  });
  const heldMin = on.planned.firstHeldUntil ? (on.planned.firstHeldUntil - (T0 + SPREAD_MS)) / 60_000 : 0;
  return {
    name: 'storm',
    rows: [
      row('decisions recorded', (r) => r.planned.decisions, 'decisions', `${FAILURES}`),
      row('Stripe retries sent in the 2 min after', (r) => r.sent.confirms, 'calls', `far below ${FAILURES}`),
      row('customer e-mails sent in the 2 min after', (r) => r.sent.mails, 'e-mails'),
      row('Slack messages (new threads)', (r) => r.sent.slack, 'messages', '1 incident'),
      row('Slack thread replies', (r) => r.sent.slackReplies, 'messages'),
      row('incident escalations', (r) => r.planned.incidents, 'jobs', '1'),
      row('escalation jobs in all', (r) => r.planned.escalations, 'jobs'),
      row('retries scheduled (held, not dropped)', (r) => r.planned.retries, 'jobs'),
      row('retries due within 10 min', (r) => r.planned.retriesDue10m, 'jobs'),
      row('notice jobs', (r) => r.planned.notices, 'jobs'),
      {
        name: 'held retries: first one due after the outage',
        value: round(heldMin, 1),
        unit: 'min',
        comparison: 'policy storm.holdFor 15m',
      },
      {
        name: 'time to decide the 5,000',
        value: round(on.decideSeconds, 1),
        unit: 's',
        comparison: `without detection: ${round(off.decideSeconds, 1)} s`,
      },
      {
        name: 'time to run the jobs due in 2 min',
        value: round(on.runSeconds, 1),
        unit: 's',
        comparison: `without detection: ${round(off.runSeconds, 1)} s (${off.sent.ran} jobs)`,
      },
    ],
    notes: [
      machineNote(),
      `${FAILURES} processing_error failures (one per case) spread over ${SPREAD_MS / 1000} s; policy retryDelays ["5s","1m"]`,
      'jobs were run by the real executors against the local fake Stripe, Slack and SMTP server, on a manual clock',
    ],
  };
}
