import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../src/fakes/fake-slack.ts';
import { getEscalation } from '../../src/store/escalations.ts';
import { getJob, listJobs } from '../../src/store/jobs.ts';
import { getMeta, META_KEYS, setMeta } from '../../src/store/meta.ts';
import { makeExecutors } from '../../src/tools/executors.ts';
import { runDueJobs } from '../../src/tools/scheduler.ts';
import { type EscalateJobArgs, jobKeys, type SlackReplyJobArgs } from '../../src/tools/schemas.ts';
import { SLACK_RATE_LIMIT_FALLBACK_MS, makeSlack } from '../../src/tools/slack-client.ts';
import { addJob, insertCase, insertFailure, T0, world } from './helpers.ts';

let slack: FakeSlack;
beforeEach(async () => {
  slack = await startFakeSlack();
});
afterEach(async () => {
  await slack.close();
});

function setup(options: { token?: string | null; channel?: string | null; shadow?: boolean } = {}) {
  const token = options.token === undefined ? 'xoxb-test' : options.token;
  const channel = options.channel === undefined ? 'C0BILLING' : options.channel;
  const w = world({
    SLACK_API_URL: slack.url,
    ...(token ? { SLACK_BOT_TOKEN: token } : {}),
    ...(channel ? { SLACK_CHANNEL: channel } : {}),
  });
  const web = token ? makeSlack(w.config) : undefined;
  const executors = makeExecutors({
    db: w.db,
    config: w.config,
    log: w.log,
    clock: w.clock,
    shadow: options.shadow ?? false,
    ...(web ? { slack: web } : {}),
  });
  const run = () =>
    runDueJobs({ db: w.db, config: w.config, log: w.log, metrics: w.metrics, clock: w.clock, executors });
  const escalate = (caseId: string, args: Partial<EscalateJobArgs> = {}) =>
    addJob(w.db, {
      caseId,
      tool: 'escalate_to_human',
      args: { kind: 'case', reason: 'third failure (escalateAfterFailures: 3)', urgency: 'normal', ...args },
      key: jobKeys.escalate(caseId),
      dueAt: T0,
    });
  const reply = (caseId: string, n: number, args: SlackReplyJobArgs) =>
    addJob(w.db, { caseId, tool: 'slack_reply', args, key: jobKeys.reply(caseId, n), dueAt: T0 });
  return { ...w, run, escalate, reply };
}

function threeFailures(s: ReturnType<typeof setup>, caseId: string) {
  insertCase(s.db, { id: caseId, amount: 5000, currency: 'jpy', customerId: 'cus_jp', failureCount: 3 });
  insertFailure(s.db, {
    caseId,
    chargeId: 'ch_1',
    declineCode: 'insufficient_funds',
    occurredAt: T0 - 3 * 86_400_000,
  });
  insertFailure(s.db, {
    caseId,
    chargeId: 'ch_2',
    declineCode: 'insufficient_funds',
    occurredAt: T0 - 86_400_000,
  });
  insertFailure(s.db, { caseId, chargeId: 'ch_3', declineCode: 'do_not_honor', occurredAt: T0 });
}

describe('escalate_to_human', () => {
  it('posts one Block Kit message per case with ids, links, amount, failures and the model’s words labelled', async () => {
    const s = setup();
    threeFailures(s, 'pi_jp');
    const id = s.escalate('pi_jp', {
      modelSummary: 'Customer <@here> seems to have <http://evil|a new card>.',
    });
    await s.run();
    expect(slack.messages).toHaveLength(1);
    const msg = slack.messages[0]!;
    expect(msg.channel).toBe('C0BILLING');
    expect(msg.thread_ts).toBeUndefined();
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('https://dashboard.stripe.com/test/customers/cus_jp|cus_jp');
    expect(text).toContain('https://dashboard.stripe.com/test/payments/pi_jp|pi_jp');
    expect(text).toContain('¥5,000');
    expect(text).not.toContain('¥50.00');
    expect(text).toContain('insufficient_funds');
    expect(text).toContain('do_not_honor');
    expect(text).toContain('2026-01-15 12:00 UTC');
    expect(text).toContain('The model wrote (its own words, not checked by code)');
    expect(text).toContain('&lt;@here&gt;');
    expect(text).not.toContain('<@here>');
    expect(msg.text).toContain('pi_jp');
    expect(getEscalation(s.db, 'pi_jp')).toMatchObject({
      status: 'posted',
      ts: msg.ts,
      channel: 'C0BILLING',
    });
    expect(getJob(s.db, id)?.state).toBe('done');
  });

  it('links the live dashboard for a live-mode case', async () => {
    const s = setup();
    insertCase(s.db, { id: 'pi_live', livemode: true, customerId: 'cus_l' });
    s.escalate('pi_live');
    await s.run();
    expect(JSON.stringify(slack.messages[0]!.blocks)).toContain(
      'https://dashboard.stripe.com/customers/cus_l',
    );
  });

  it('never posts a second message for the same case, and replies in its thread', async () => {
    const s = setup();
    threeFailures(s, 'pi_t');
    s.escalate('pi_t');
    await s.run();
    s.db.prepare(`UPDATE jobs SET state = 'pending' WHERE tool = 'escalate_to_human'`).run();
    s.reply('pi_t', 1, { event: 'failed_again', text: 'Declined again: do_not_honor' });
    s.reply('pi_t', 2, { event: 'recovered', text: 'Payment succeeded.' });
    await s.run();
    const top = slack.messages.filter((m) => !m.thread_ts);
    const replies = slack.messages.filter((m) => m.thread_ts);
    expect(top).toHaveLength(1);
    expect(replies.map((m) => m.thread_ts)).toEqual([top[0]!.ts, top[0]!.ts]);
    expect(replies.map((m) => m.text)).toEqual([
      '*Failed again:* Declined again: do_not_honor',
      '*Recovered:* Payment succeeded.',
    ]);
  });

  it('waits with a reply until the escalation is posted', async () => {
    const s = setup();
    insertCase(s.db, { id: 'pi_w' });
    const parent = addJob(s.db, {
      caseId: 'pi_w',
      tool: 'escalate_to_human',
      args: { kind: 'case', reason: 'r' },
      key: jobKeys.escalate('pi_w'),
      dueAt: T0 + 60_000,
    });
    const r = s.reply('pi_w', 1, { event: 'note', text: 'hello' });
    await s.run();
    expect(getJob(s.db, r)?.state).toBe('pending');
    s.clock.set(T0 + 60_000);
    await s.run();
    expect(getJob(s.db, parent)?.state).toBe('done');
    s.clock.set(getJob(s.db, r)!.due_at);
    await s.run();
    expect(slack.messages.map((m) => Boolean(m.thread_ts))).toEqual([false, true]);
  });

  it.each(['channel_not_found', 'not_in_channel', 'invalid_auth'])(
    'treats ok:false %s at HTTP 200 as a configuration fault: one call, undelivered, visible in health',
    async (error) => {
      const s = setup();
      insertCase(s.db, { id: 'pi_cf' });
      slack.fail({ method: 'chat.postMessage', error, count: 5 });
      const id = s.escalate('pi_cf');
      await s.run();
      s.clock.set(T0 + 86_400_000);
      await s.run();
      expect(slack.requests.filter((r) => r.method === 'chat.postMessage')).toHaveLength(1);
      expect(getJob(s.db, id)?.state).toBe('failed');
      expect(getEscalation(s.db, 'pi_cf')).toMatchObject({
        status: 'undelivered',
        error: `undelivered: ${error}`,
      });
      expect(getMeta(s.db, META_KEYS.slackConfigFault)).toEqual({ error, at: T0 });
      expect(s.lines.find((l) => l.level === 50 && l.msg.includes('configuration fault'))).toMatchObject({
        error,
      });
      expect(listJobs(s.db, 'pi_cf')).toHaveLength(1);
    },
  );

  it('clears the configuration fault after a later success', async () => {
    const s = setup();
    insertCase(s.db, { id: 'pi_ok' });
    setMeta(s.db, META_KEYS.slackConfigFault, { error: 'channel_not_found', at: T0 - 1 }, T0 - 1);
    s.escalate('pi_ok');
    await s.run();
    expect(getMeta(s.db, META_KEYS.slackConfigFault)).toBeUndefined();
  });

  it('reschedules after Retry-After on a 429 and posts once', async () => {
    const s = setup();
    insertCase(s.db, { id: 'pi_429' });
    slack.fail({ method: 'chat.postMessage', status: 429, retryAfter: 7, retryAfterHeader: 'retry-after' });
    const id = s.escalate('pi_429');
    await s.run();
    expect(getJob(s.db, id)).toMatchObject({ state: 'pending', due_at: T0 + 7000 });
    expect(getEscalation(s.db, 'pi_429')?.status).toBe('pending');
    s.clock.set(T0 + 7000);
    await s.run();
    expect(getJob(s.db, id)?.state).toBe('done');
    expect(slack.messages).toHaveLength(1);
  });

  it('falls back to a fixed wait on a 429 without Retry-After', async () => {
    const s = setup();
    insertCase(s.db, { id: 'pi_429b' });
    slack.fail({ method: 'chat.postMessage', status: 429 });
    const id = s.escalate('pi_429b');
    await s.run();
    expect(getJob(s.db, id)).toMatchObject({ state: 'pending', due_at: T0 + SLACK_RATE_LIMIT_FALLBACK_MS });
    expect(slack.requests).toHaveLength(1);
  });

  it('treats ok:false ratelimited at HTTP 200 as a wait, not a fault', async () => {
    const s = setup();
    insertCase(s.db, { id: 'pi_rl' });
    slack.fail({ method: 'chat.postMessage', error: 'ratelimited' });
    const id = s.escalate('pi_rl');
    await s.run();
    expect(getJob(s.db, id)?.state).toBe('pending');
    expect(getMeta(s.db, META_KEYS.slackConfigFault)).toBeUndefined();
  });

  it('keeps the escalation in SQLite and logs loudly without a token', async () => {
    const s = setup({ token: null });
    insertCase(s.db, { id: 'pi_nt' });
    const id = s.escalate('pi_nt');
    await s.run();
    expect(slack.requests).toHaveLength(0);
    expect(getJob(s.db, id)?.state).toBe('done');
    const row = getEscalation(s.db, 'pi_nt');
    expect(row).toMatchObject({ status: 'stored', error: 'SLACK_BOT_TOKEN not set' });
    expect(JSON.parse(row!.blocks_json!)).toBeInstanceOf(Array);
    expect(s.lines.find((l) => l.msg === 'escalation kept in SQLite: Slack is not configured')?.level).toBe(
      50,
    );
  });

  it('posts nothing in shadow mode and records what it would have posted', async () => {
    const s = setup({ shadow: true });
    insertCase(s.db, { id: 'pi_sh' });
    const id = s.escalate('pi_sh');
    s.reply('pi_sh', 1, { event: 'closed', text: 'closed' });
    await s.run();
    await s.run();
    expect(slack.requests).toHaveLength(0);
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({
      shadow: true,
      wouldHave: { channel: 'C0BILLING' },
    });
    expect(listJobs(s.db, 'pi_sh').map((j) => j.state)).toEqual(['done', 'done']);
  });
});

describe('escalate_to_human after a crash mid-post', () => {
  it('adopts the message a dead attempt posted instead of posting a second one', async () => {
    const s = setup();
    insertCase(s.db, { id: 'pi_dead' });
    const id = s.escalate('pi_dead');
    await s.run();
    const first = slack.messages[0]!;
    // The process died after Slack answered and before the ts was stored.
    s.db.prepare(`UPDATE escalations SET status = 'pending', ts = NULL WHERE case_id = 'pi_dead'`).run();
    s.db.prepare(`UPDATE jobs SET state = 'pending' WHERE id = ?`).run(id);
    await s.run();
    expect(slack.messages).toHaveLength(1);
    expect(getEscalation(s.db, 'pi_dead')).toMatchObject({ status: 'posted', ts: first.ts });
    expect(JSON.parse(getJob(s.db, id)!.result_json!)).toMatchObject({ adopted: true });
  });

  it('posts again when the earlier attempt never reached Slack', async () => {
    const s = setup();
    insertCase(s.db, { id: 'pi_retry' });
    slack.fail({ method: 'chat.postMessage', error: 'internal_error' });
    const id = s.escalate('pi_retry');
    await s.run();
    s.clock.set(getJob(s.db, id)!.due_at);
    await s.run();
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]!.metadata).toEqual({
      event_type: 'billing_agent_escalation',
      event_payload: { case_id: 'pi_retry' },
    });
  });
});
