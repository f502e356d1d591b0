/**
 * `billing-agent demo` end to end: local stand-ins for Stripe, Slack and SMTP on 127.0.0.1, a
 * temporary database, the daemon acting for real (not in shadow mode) with the policy's delays
 * compressed to seconds, the scenario's failed payments posted through the Kite route, and
 * Stripe's follow-up webhooks relayed after each retry. No keys, no other host.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { buildAuditDocument } from '../cli/audit-build.ts';
import type { AuditDocument } from '../cli/audit-document.ts';
import type { Io } from '../cli/io.ts';
import { openReadonlyDatabase } from '../cli/readonly-db.ts';
import { systemClock } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { startDaemon } from '../daemon.ts';
import { startFakeSlack } from '../fakes/fake-slack.ts';
import { startFakeStripe } from '../fakes/fake-stripe.ts';
import { startSmtpCatcher } from '../fakes/smtp-catcher.ts';
import { makeLogger } from '../log.ts';
import { findCaseIds, outstandingWork, readCaseRecord } from '../store/audit-read.ts';
import type { Db } from '../store/db.ts';
import { checkExpectations } from './expectations.ts';
import { postViaKite } from './kite-post.ts';
import { renderDemoReport } from './report.ts';
import { DEMO_PAYMENTS, firstFailureEvent, seedFakeStripe } from './scenario.ts';
import { startStripeRelay } from './stripe-relay.ts';

/** The demo policy: the default three strikes with delays of seconds (test mode allows 1 s). */
export const DEMO_POLICY = { retryDelays: ['2s', '4s'], escalateAfterFailures: 3 };
const KITE_TOKEN = 'demo-kite-token';
const SETTLE_MS = 1000;

export type DemoOptions = { timeoutMs?: number; dir?: string };

function auditAll(db: Db, now: number): AuditDocument {
  const ids = [...new Set(DEMO_PAYMENTS.flatMap((p) => findCaseIds(db, p.id)))];
  return buildAuditDocument(
    'demo',
    ids.flatMap((id) => readCaseRecord(db, id) ?? []),
    [],
    now,
  );
}

/** Runs the demo and returns the exit code. */
export async function runDemo(io: Io, options: DemoOptions = {}): Promise<number> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'billing-agent-demo-'));
  const dbPath = join(dir, 'billing-agent.db');
  const say = (...lines: string[]) => io.stdout.write(`${(lines.length ? lines : ['']).join('\n')}\n`);

  const [stripe, slack, smtp] = await Promise.all([startFakeStripe(), startFakeSlack(), startSmtpCatcher()]);
  seedFakeStripe(stripe, Date.now());
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, `${JSON.stringify(DEMO_POLICY, null, 2)}\n`);
  const config = loadConfig(
    {},
    {
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_PATH: dbPath,
      KITE_TOKEN,
      STRIPE_SECRET_KEY: 'sk_test_demo',
      STRIPE_API_BASE: stripe.url,
      SLACK_BOT_TOKEN: 'xoxb-demo',
      SLACK_CHANNEL: 'C0DEMOBILLING',
      SLACK_API_URL: slack.url,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'billing@demo-shop.example',
      MERCHANT_NAME: 'Demo Shop',
      PAYMENT_LINK_TEMPLATE: 'https://pay.demo-shop.example/{payment_intent}',
      OUTBOX_DIR: join(dir, 'outbox'),
      POLICY_FILE: policyFile,
      PLANNER: 'rules',
      LOG_LEVEL: 'info',
    },
  );
  const logPath = join(dir, 'daemon.log');
  const log = makeLogger({ level: 'info', destination: pino.destination({ dest: logPath, sync: true }) });

  say('billing-agent demo: no keys, no network; every service is a local stand-in on 127.0.0.1');
  say(`  fake Stripe ${stripe.url} · fake Slack ${slack.url} · SMTP catcher ${smtp.url}`);
  say(`  database ${dbPath} · daemon log ${logPath}`);
  say(
    `  policy: retry after ${DEMO_POLICY.retryDelays.join(' then ')}, escalate at failure ${DEMO_POLICY.escalateAfterFailures}`,
  );

  const daemon = await startDaemon(config, log, systemClock);
  const webhook = `${daemon.url}/webhook/${KITE_TOKEN}`;
  let relayError: Error | undefined;
  const relay = startStripeRelay(stripe, webhook, (error) => {
    relayError = error;
  });
  // Stripe's `created` is in whole seconds: count from the start of this second.
  const startMs = Math.floor(Date.now() / 1000) * 1000;
  let finished = false;
  try {
    say(
      '',
      `Posting ${DEMO_PAYMENTS.length} failed payments through the Kite route (POST /webhook/<token>) …`,
    );
    for (const payment of DEMO_PAYMENTS) {
      const status = await postViaKite(webhook, firstFailureEvent(stripe, payment, Date.now()));
      if (status !== 200) throw new Error(`the Kite route answered ${status} for ${payment.id}`);
    }
    say('Waiting for the agent: retries, notices and escalation run on the compressed schedule …');
    const reader = openReadonlyDatabase(dbPath);
    try {
      const deadline = startMs + (options.timeoutMs ?? 45_000);
      let quietSince: number | undefined;
      while (Date.now() < deadline && !relayError) {
        await new Promise((r) => setTimeout(r, 200));
        const isQuiet = relay.idle() && outstandingWork(reader) === 0;
        quietSince = isQuiet ? (quietSince ?? Date.now()) : undefined;
        if (quietSince !== undefined && Date.now() - quietSince >= SETTLE_MS) {
          finished = true;
          break;
        }
      }
    } finally {
      reader.close();
    }
  } finally {
    await relay.stop();
    await daemon.stop();
    await Promise.all([stripe.close(), slack.close(), smtp.close()]);
  }
  if (relayError) throw relayError;

  const db = openReadonlyDatabase(dbPath);
  let doc: AuditDocument;
  try {
    doc = auditAll(db, Date.now());
  } finally {
    db.close();
  }
  say('', `What happened (seconds from the start; ${((Date.now() - startMs) / 1000).toFixed(1)} s in all):`);
  io.stdout.write(
    renderDemoReport(DEMO_PAYMENTS, doc, startMs, { mails: smtp.messages, slack: slack.messages }),
  );
  const confirms = stripe.calls('POST', /\/confirm$/).length;
  say(
    '',
    `The stand-ins saw ${confirms} Stripe confirm call(s), ${smtp.messages.length} e-mail(s), ${slack.messages.length} Slack message(s).`,
  );
  const checks = checkExpectations(doc, stripe);
  for (const check of checks) say(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.paymentId}: ${check.detail}`);
  if (!finished) say('  FAIL  the daemon still had work pending when the demo timed out');

  say('', `The database is kept at ${dbPath}. Next, try:`);
  say(`  npx billing-agent audit ${DEMO_PAYMENTS[0]!.id} --db ${dbPath}`);
  say(`  npx billing-agent audit ${DEMO_PAYMENTS[0]!.id} --json --db ${dbPath}`);
  say(`  npx billing-agent replay --db ${dbPath}`);
  return finished && checks.every((c) => c.ok) ? 0 : 1;
}
