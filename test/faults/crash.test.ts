/**
 * SIGKILL the real daemon at random points of a busy run (while events are posted, right after
 * decisions, during a Stripe call, during a Slack call), start it again on the same file, and
 * compare every case's end with a run of the same payments without crashes. A killed job keeps
 * its lease (5 minutes); the test expires the leases of the dead process before each restart,
 * as time passing would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { PaymentScript } from '../../src/fakes/fake-stripe.ts';
import {
  daemonEnv,
  type Fakes,
  postKite,
  query,
  quiet,
  type RunningDaemon,
  seedPayment,
  seededRandom,
  startDaemon,
  startFakes,
  waitFor,
  workDir,
} from './harness.ts';

const SCRIPTS: Record<string, PaymentScript> = {
  declines: { kind: 'decline', declineCode: 'generic_decline' },
  recovers: { kind: 'decline_until', succeedOnAttempt: 2, declineCode: 'insufficient_funds' },
};
const PER_KIND = 4;

type CaseEnd = {
  kind: string;
  status: string;
  failures: number;
  confirmKeys: number;
  confirms: number;
  notices: string[];
  /** Notices reserved (`sending`) by a process killed before it knew whether the mail left. */
  unknownNotices: number;
  slackThreads: number;
};

function payments(prefix: string) {
  return Object.keys(SCRIPTS).flatMap((kind) =>
    Array.from({ length: PER_KIND }, (_, i) => ({ id: `pi_${prefix}_${kind}_${i}`, kind })),
  );
}

/** What happened to each payment, read from the fakes and the database. */
function ends(fakes: Fakes, dbPath: string, list: { id: string; kind: string }[]): Map<string, CaseEnd> {
  const out = new Map<string, CaseEnd>();
  for (const p of list) {
    const [row] = query<{ status: string; failure_count: number }>(
      dbPath,
      'SELECT status, failure_count FROM cases WHERE id = ?',
      p.id,
    );
    const confirms = fakes.stripe.calls('POST', new RegExp(`/payment_intents/${p.id}/confirm$`));
    const email = `cus_${p.id.slice(3)}@example.com`;
    const notices = fakes.smtp.messages
      .filter((m) => JSON.stringify(m.to).includes(email))
      .map((m) => m.subject ?? '');
    out.set(p.id, {
      kind: p.kind,
      status: row?.status ?? 'missing',
      failures: row?.failure_count ?? 0,
      confirmKeys: new Set(confirms.map((c) => c.idempotencyKey)).size,
      confirms: new Set(confirms.filter((c) => !c.replayed).map((c) => c.idempotencyKey)).size,
      notices: notices.sort(),
      unknownNotices: query(dbPath, `SELECT 1 FROM notices WHERE case_id = ? AND status = 'sending'`, p.id)
        .length,
      slackThreads: fakes.slack.messages.filter((m) => !m.thread_ts && JSON.stringify(m).includes(p.id))
        .length,
    });
  }
  return out;
}

/** Expires the leases a killed process left, as five minutes passing would. */
function expireLeases(dbPath: string) {
  const db = new Database(dbPath);
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare(`UPDATE jobs SET lease_until = 0 WHERE state = 'running'`).run();
  } finally {
    db.close();
  }
}

const shape = (m: Map<string, CaseEnd>) =>
  [...m.values()].map(({ kind, status, failures, confirmKeys, slackThreads }) => ({
    kind,
    status,
    failures,
    confirmKeys,
    slackThreads,
  }));

describe('crash and restart', () => {
  let reference: Map<string, CaseEnd>;
  const fakes: Fakes[] = [];

  beforeAll(async () => {
    const f = await startFakes();
    fakes.push(f);
    const paths = workDir();
    const list = payments('ref');
    const events = list.map((p) => seedPayment(f.stripe, p.id, SCRIPTS[p.kind]));
    const daemon = await startDaemon(paths, daemonEnv(f, paths.dir));
    for (const e of events) expect(await postKite(daemon.webhook, e)).toBe(200);
    await waitFor(
      () => quiet(paths.dbPath) && f.slack.messages.length >= PER_KIND,
      30_000,
      'the reference run to settle',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(await daemon.stop()).toBe(0);
    reference = ends(f, paths.dbPath, list);
  }, 60_000);

  afterAll(async () => {
    for (const f of fakes) await f.close();
  });

  it('the run without crashes ends as the policy says', () => {
    for (const end of reference.values()) {
      if (end.kind === 'declines') {
        expect(end).toMatchObject({ status: 'open', failures: 3, confirmKeys: 2, slackThreads: 1 });
        expect(end.notices).toHaveLength(2);
      } else {
        // The second retry succeeds; the case closes when Stripe's own succeeded event arrives.
        expect(end).toMatchObject({ failures: 2, confirmKeys: 2, slackThreads: 0 });
        expect(end.notices).toHaveLength(2);
      }
    }
  });

  it('loses, doubles and changes nothing across SIGKILLs at random points', async () => {
    const random = seededRandom(Number(process.env.FAULT_SEED ?? 20261204));
    const f = await startFakes();
    fakes.push(f);
    const paths = workDir();
    const env = daemonEnv(f, paths.dir);
    const list = payments('crash');
    const pending = list.map((p) => seedPayment(f.stripe, p.id, SCRIPTS[p.kind]));
    const accepted = new Set<string>();
    let daemon: RunningDaemon = await startDaemon(paths, env);
    const kills: string[] = [];
    // `settleMs`: calls the dead process left in flight land before its leases are expired, as
    // they would during the five minutes a real lease lasts.
    const restart = async (point: string, settleMs = 0) => {
      await daemon.kill();
      kills.push(point);
      await new Promise((r) => setTimeout(r, settleMs));
      expireLeases(paths.dbPath);
      daemon = await startDaemon(paths, env);
    };

    // 1. During ingest: post everything with 4 in flight, kill after a random few milliseconds;
    // what got no 2xx is posted again, as Kite redelivers.
    const post = async () => {
      const queue = pending.filter((e) => !accepted.has(e.id));
      const lanes = Array.from({ length: 4 }, async () => {
        for (let e = queue.shift(); e; e = queue.shift()) {
          const status = await postKite(daemon.webhook, e, 3000);
          if (status >= 200 && status < 300) accepted.add(e.id);
        }
      });
      return Promise.all(lanes);
    };
    const ingest = post();
    await new Promise((r) => setTimeout(r, 5 + random() * 40));
    await restart('during ingest');
    await ingest;
    await post();
    expect(accepted.size).toBe(list.length);

    // 2. Between decisions and their jobs: a random moment in the first second.
    await new Promise((r) => setTimeout(r, 50 + random() * 500));
    await restart('after decisions');

    // 3. During a Stripe call: the fake charges at once and answers late; kill before the answer.
    f.stripe.delay({ ms: 3000, path: /\/confirm$/, count: 1 });
    const confirmsBefore = f.stripe.calls('POST', /\/confirm$/).length;
    await waitFor(
      () => f.stripe.calls('POST', /\/confirm$/).length > confirmsBefore,
      20_000,
      'a Stripe confirm call',
    );
    await new Promise((r) => setTimeout(r, random() * 200));
    await restart('during a Stripe call', 3200);

    // 4. During a Slack call: Slack posts, then answers late; kill before the answer.
    f.slack.setLatency(3000);
    await waitFor(
      () => f.slack.requests.some((r) => r.method === 'chat.postMessage'),
      20_000,
      'a Slack post',
    );
    await new Promise((r) => setTimeout(r, random() * 200));
    f.slack.setLatency(0);
    await restart('during a Slack call', 3200);

    // 5. Two more at random moments while the rest runs.
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 200 + random() * 1200));
      await restart(`random ${i + 1}`);
    }

    await waitFor(
      () => quiet(paths.dbPath) && f.slack.messages.filter((m) => !m.thread_ts).length >= PER_KIND,
      40_000,
      `the crashed run to settle (kills: ${kills.join(', ')})`,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(await daemon.stop()).toBe(0);

    // Every accepted event is in the inbox.
    const stored = new Set(
      query<{ id: string }>(paths.dbPath, 'SELECT stripe_event_id AS id FROM inbox').map((r) => r.id),
    );
    for (const id of accepted) expect(stored.has(id), `accepted ${id} is in the inbox`).toBe(true);

    const crashed = ends(f, paths.dbPath, list);
    if (process.env.FAULT_DUMP) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(
        process.env.FAULT_DUMP,
        JSON.stringify(
          {
            kills,
            slack: f.slack.messages,
            requests: f.slack.requests.map((r) => r.method),
            log: daemon.output(),
          },
          null,
          1,
        ),
      );
    }
    // Every case reached the end it reaches without crashes.
    expect(shape(crashed), `kills: ${kills.join(', ')}`).toEqual(shape(reference));
    // The same notices, except one whose sending a kill interrupted: at most once, so it may be
    // missing, and then it is left recorded as outcome unknown.
    const refs = [...reference.values()];
    [...crashed.values()].forEach((end, i) => {
      const ref = refs[i]!;
      for (const subject of end.notices) expect(ref.notices).toContain(subject);
      expect(end.notices.length + end.unknownNotices, `notices of case ${i}`).toBe(ref.notices.length);
    });
    // No (case, attempt) went out under two idempotency keys.
    for (const p of list) {
      const keys = f.stripe
        .calls('POST', new RegExp(`/payment_intents/${p.id}/confirm$`))
        .map((c) => c.idempotencyKey);
      expect(new Set(keys).size, `${p.id} confirm keys ${keys.join(',')}`).toBe(
        crashed.get(p.id)!.confirmKeys,
      );
      expect(keys.every((k) => k?.includes(p.id))).toBe(true);
    }
    // The charge killed mid-call was sent again under its own key (Stripe replayed it).
    expect(f.stripe.requests.some((r) => r.replayed && /\/confirm$/.test(r.path))).toBe(true);
    // No customer got the same notice twice.
    const notices = f.smtp.messages.map((m) => `${JSON.stringify(m.to)} ${m.subject}`);
    expect(new Set(notices).size).toBe(notices.length);
    // No case has two Slack messages.
    for (const end of crashed.values()) expect(end.slackThreads).toBeLessThanOrEqual(1);
  }, 150_000);
});
