import { describe, expect, it } from 'vitest';
import { actionKey, describeAction, describeProposal } from '../../src/cli/describe-action.ts';
import { maskDeep, maskEmails } from '../../src/cli/mask.ts';

describe('maskEmails', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmails('to jenny.rosen+billing@example.co.uk now')).toBe('to j***@example.co.uk now');
  });
  it('masks every address inside nested values', () => {
    expect(maskDeep({ a: ['x@y.io'], b: { c: 'mail z@q.org' }, n: 1 })).toEqual({
      a: ['x***@y.io'],
      b: { c: 'mail z***@q.org' },
      n: 1,
    });
  });
  it('masks a megabyte of hostile text in one linear pass', () => {
    const hostile = `${'y'.repeat(900_000)} then a@b.io ${'@'.repeat(100_000)}`;
    const masked = maskEmails(hostile);
    expect(masked.length).toBe(hostile.length + 3);
    expect(masked).toContain(' then a***@b.io ');
  });
});

describe('actionKey', () => {
  it('reads the tool, template and delay of a final action', () => {
    expect(
      actionKey({ tool: 'retry_payment', input: { delay_seconds: 60, rationale: 'r' }, source: 'proposal' }),
    ).toEqual({
      tool: 'retry_payment',
      delaySeconds: 60,
    });
    expect(actionKey({ tool: 'notify_customer', input: { template: 'authenticate' } })).toEqual({
      tool: 'notify_customer',
      template: 'authenticate',
    });
  });
  it('reads what it can of a shape it does not know', () => {
    expect(actionKey({ call: { name: 'escalate_to_human', args: { urgency: 'high' } } })).toEqual({
      tool: 'escalate_to_human',
    });
    expect(actionKey('garbage')).toEqual({ tool: 'unknown' });
  });
});

describe('describeProposal', () => {
  it('says the verdict, the rule, the reason and what a rule amended', () => {
    const text = describeProposal({
      tool: 'retry_payment',
      input: { delay_seconds: 34_560_000 },
      verdict: 'amend',
      rule: 'delay_max',
      reason: 'at most 30 days',
      amended: { delay_seconds: 2_592_000 },
    });
    expect(text).toBe('retry_payment in 400d → amend (to retry_payment in 30d) [delay_max]: at most 30 days');
    expect(describeAction({ tool: 'no_action', input: { rationale: 'wait' } })).toBe('no_action');
  });
});
