import { describe, expect, it } from 'vitest';
import { type Decider, parseSince, replayOne, summarize } from '../../src/cli/replay-core.ts';
import type { RecordedDecision } from '../../src/store/audit-read.ts';

const row = (id: number, actions: unknown[], context: unknown = { n: id }): RecordedDecision => ({
  id,
  case_id: `pi_${id}`,
  created_at: Date.parse('2026-03-01T10:00:00Z'),
  trigger: 'failure',
  planner: 'claude',
  gen_ai_request_model: 'claude-sonnet-4-6',
  prompt_hash: 'p1',
  policy_hash: 'x',
  context_json: JSON.stringify(context),
  actions_json: JSON.stringify(actions),
});

const retry = (s: number) => ({
  tool: 'retry_payment',
  input: { delay_seconds: s, rationale: 'r' },
  source: 'proposal',
});
const notify = (template: string) => ({ tool: 'notify_customer', input: { template, rationale: 'r' } });
const escalate = { tool: 'escalate_to_human', input: { summary: 's', urgency: 'high', rationale: 'r' } };

/** A stub planner that answers from a table keyed by the context's `n`. */
const scripted =
  (answers: Record<number, unknown[]>): Decider =>
  async (context) => {
    const n = (context as { n: number }).n;
    if (!(n in answers)) throw new Error(`no answer for ${n}`);
    return { actions: answers[n]!, planner: 'rules', rationale: 'stub' };
  };

describe('replayOne', () => {
  it('calls the same actions in another order and another rationale the same', async () => {
    const item = await replayOne(
      row(1, [notify('first_failure'), retry(1800)]),
      scripted({ 1: [retry(1800), notify('first_failure')] }),
    );
    expect(item.same).toBe(true);
  });

  it('sees a different delay after the guardrails as a difference', async () => {
    const item = await replayOne(row(1, [retry(1800)]), scripted({ 1: [retry(3600)] }));
    expect(item.same).toBe(false);
    expect(item.replayed.actions).toEqual([{ tool: 'retry_payment', delaySeconds: 3600 }]);
  });

  it('sees another template as a difference', async () => {
    const item = await replayOne(row(1, [notify('first_failure')]), scripted({ 1: [notify('last_notice')] }));
    expect(item.same).toBe(false);
  });

  it('treats no_action and no actions alike', async () => {
    const noAction = { tool: 'no_action', input: { rationale: 'wait' } };
    const item = await replayOne(row(1, [noAction]), scripted({ 1: [] }));
    expect(item.same).toBe(true);
  });

  it('leaves a decision no planner made out of the comparison', async () => {
    const byCode: Decider = async () => ({ skipped: 'decided by code on closed' });
    const item = await replayOne(row(4, [notify('payment_recovered')]), byCode);
    expect(item.skipped).toBe('decided by code on closed');
    expect(summarize([item])).toMatchObject({
      total: 1,
      same: 0,
      different: 0,
      errors: 0,
      skipped: 1,
      byAction: [],
    });
  });

  it('records a decider that throws as an error, not a crash', async () => {
    const item = await replayOne(row(9, [escalate]), scripted({}));
    expect(item.same).toBe(false);
    expect(item.replayed.error).toBe('no answer for 9');
  });
});

describe('summarize', () => {
  it('counts same, different, errors and each action then and now', async () => {
    const decide = scripted({ 1: [retry(1800)], 2: [retry(60), notify('first_failure')] });
    const items = [
      await replayOne(row(1, [retry(1800)]), decide),
      await replayOne(row(2, [escalate]), decide),
      await replayOne(row(3, [escalate]), decide),
    ];
    expect(summarize(items)).toEqual({
      total: 3,
      same: 1,
      different: 1,
      errors: 1,
      fellBack: 0,
      skipped: 0,
      byAction: [
        { action: 'escalate_to_human', recorded: 2, replayed: 0 },
        { action: 'notify_customer first_failure', recorded: 0, replayed: 1 },
        { action: 'retry_payment', recorded: 1, replayed: 2 },
      ],
    });
  });
});

describe('parseSince', () => {
  const now = Date.parse('2026-03-10T00:00:00Z');
  it('reads a duration back from now', () => {
    expect(parseSince('2d', now)).toBe(Date.parse('2026-03-08T00:00:00Z'));
  });
  it('reads an ISO time', () => {
    expect(parseSince('2026-03-01T12:00:00Z', now)).toBe(Date.parse('2026-03-01T12:00:00Z'));
  });
  it('refuses anything else as a usage error', () => {
    expect(() => parseSince('yesterday', now)).toThrow(/--since yesterday/);
    expect(() => parseSince('12345', now)).toThrow(/ISO time/);
  });
});
