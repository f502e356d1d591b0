/**
 * The fault suite's world: the local stand-ins for Stripe, Slack and SMTP started in the test
 * process on 127.0.0.1, the real daemon (`node bin/billing-agent.js run --port 0`) as a child
 * process pointed at them with a policy of second-scale delays, failed payments posted the way
 * `kite proxy` relays them, and read-only looks at the daemon's SQLite file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type FakeSlack, startFakeSlack } from '../../src/fakes/fake-slack.ts';
import { type FakeStripe, type PaymentScript, startFakeStripe } from '../../src/fakes/fake-stripe.ts';
import { type SmtpCatcher, startSmtpCatcher } from '../../src/fakes/smtp-catcher.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const KITE_TOKEN = 'fault-kite-token';
/** Retry after 1 s, then 2 s; the third failure escalates. */
export const FAST_POLICY = { retryDelays: ['1s', '2s'], escalateAfterFailures: 3 };

export type Fakes = { stripe: FakeStripe; slack: FakeSlack; smtp: SmtpCatcher; close(): Promise<void> };

export async function startFakes(): Promise<Fakes> {
  const [stripe, slack, smtp] = await Promise.all([startFakeStripe(), startFakeSlack(), startSmtpCatcher()]);
  return {
    stripe,
    slack,
    smtp,
    close: async () => {
      await Promise.all([stripe.close(), slack.close(), smtp.close()]);
    },
  };
}

/** A folder with a policy file and a database path. */
export function workDir(policy: Record<string, unknown> = FAST_POLICY) {
  const dir = mkdtempSync(join(tmpdir(), 'billing-agent-faults-'));
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(policy));
  return { dir, policyFile, dbPath: join(dir, 'billing-agent.db') };
}

/** The daemon's environment for these fakes. */
export function daemonEnv(fakes: Fakes, dir: string, extra: Record<string, string> = {}) {
  return {
    STRIPE_SECRET_KEY: 'sk_test_faults',
    STRIPE_API_BASE: fakes.stripe.url,
    SLACK_BOT_TOKEN: 'xoxb-faults',
    SLACK_CHANNEL: 'C0FAULTS',
    SLACK_API_URL: fakes.slack.url,
    SMTP_URL: fakes.smtp.url,
    MAIL_FROM: 'billing@faults.example',
    OUTBOX_DIR: join(dir, 'outbox'),
    KITE_TOKEN,
    PLANNER: 'rules',
    ...extra,
  };
}

export type RunningDaemon = {
  child: ChildProcess;
  url: string;
  webhook: string;
  output(): string;
  kill(): Promise<void>;
  stop(): Promise<number | null>;
};

/** Starts `billing-agent run` and resolves once its start-up line gives the URL. */
export function startDaemon(
  paths: { dbPath: string; policyFile: string },
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<RunningDaemon> {
  const child = spawn(
    process.execPath,
    ['bin/billing-agent.js', 'run', '--port', '0', '--db', paths.dbPath, '--policy', paths.policyFile],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daemon did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      const match = /"msg":"billing-agent started"/.test(out) && /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (!match) return;
      clearInterval(poll);
      clearTimeout(timer);
      const url = match[1]!;
      resolve({
        child,
        url,
        webhook: `${url}/webhook/${KITE_TOKEN}`,
        output: () => out,
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    }, 20);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code}) before starting:\n${out}`));
    });
  });
}

/** A payment that failed once, registered with the fake Stripe; returns its first failure event. */
export function seedPayment(
  stripe: FakeStripe,
  id: string,
  script: PaymentScript = { kind: 'decline', declineCode: 'generic_decline' },
  decline: Record<string, unknown> = { code: 'card_declined', decline_code: 'generic_decline' },
) {
  const customer = `cus_${id.slice(3)}`;
  const charge = `ch_first_${id.slice(3)}`;
  stripe.addCustomer({ id: customer, email: `${customer}@example.com`, name: null });
  stripe.addPaymentIntent(
    {
      id,
      amount: 2500,
      currency: 'usd',
      customer,
      latest_charge: charge,
      last_payment_error: {
        type: 'card_error',
        charge,
        ...decline,
        message: 'Your card was declined.',
        payment_method: { id: `pm_${id.slice(3)}`, object: 'payment_method', type: 'card' },
      },
      metadata: {},
    },
    script,
  );
  return failureEvent(stripe, id);
}

let sequence = 0;
/** A `payment_intent.payment_failed` event carrying the fake's current PaymentIntent. */
export function failureEvent(stripe: FakeStripe, id: string) {
  sequence += 1;
  return {
    id: `evt_fault_${Date.now().toString(36)}_${sequence}`,
    object: 'event',
    type: 'payment_intent.payment_failed',
    api_version: '2026-11-18.endive',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: structuredClone(stripe.paymentIntents.get(id)!) },
  };
}

/** Posts an event as `kite proxy` does; resolves with the status, or 0 when no answer came. */
export async function postKite(webhook: string, event: { id: string; type: string }, timeoutMs = 5000) {
  const ceId = randomUUID();
  try {
    const response = await fetch(webhook, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': ceId,
        'ce-source': 'https://hooks.getkite.sh/hooks/team_faults/stripe',
        'ce-type': `com.stripe.${event.type}`,
        'x-kite-source': 'stripe',
        'x-kite-event-id': ceId,
      },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Reads the daemon's database (read-only, its own short-lived connection). */
export function query<T = Record<string, unknown>>(dbPath: string, sql: string, ...args: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

/** Polls `check` every 100 ms until it is true; throws after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (check()) return;
    } catch {
      // The file may be mid-checkpoint or not created yet; look again.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** True when the daemon has nothing left to do: no pending inbox row, no pending or running job. */
export function quiet(dbPath: string): boolean {
  const [row] = query<{ n: number }>(
    dbPath,
    `SELECT (SELECT count(*) FROM inbox WHERE status = 'pending') +
            (SELECT count(*) FROM jobs WHERE state IN ('pending', 'running')) AS n`,
  );
  return row!.n === 0;
}

/** A small seeded random number generator, so a failing run can be repeated. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
