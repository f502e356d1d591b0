import { describe, expect, it } from 'vitest';
import { makeContext } from '../../test/agent/builders.ts';
import { UNTRUSTED_NOTICE } from './context.ts';

describe('buildContext', () => {
  it('marks customer text as untrusted and strips addresses and card numbers from it', () => {
    const ctx = makeContext({
      over: {
        untrusted: {
          metadata: { note: 'mail me at a.b@example.invalid, card 4242 4242 4242 4242' },
          description: 'plan',
        },
      },
    });
    expect(ctx.untrusted).toEqual({
      notice: UNTRUSTED_NOTICE,
      metadata: { note: 'mail me at [email], card [number]' },
      description: 'plan',
    });
  });

  it('gives amounts in major units for zero- and three-decimal currencies', () => {
    expect(makeContext({ amount: 5000, currency: 'jpy' }).payment).toMatchObject({
      amountMajor: 5000,
      display: '¥5,000',
    });
    expect(makeContext({ amount: 12345, currency: 'kwd' }).payment).toMatchObject({
      amountMajor: 12.345,
      decimals: 3,
    });
    expect(makeContext({ amount: 1999, currency: 'eur' }).payment).toMatchObject({
      amountMajor: 19.99,
      display: '€19.99',
    });
  });

  it('counts the remaining budgets', () => {
    const ctx = makeContext({ priorFailures: 1 });
    expect(ctx.budgets).toMatchObject({
      failures: 2,
      retriesUsed: 1,
      retriesLeftByPolicy: 1,
      nextRetryDelaySeconds: 86_400,
      noticesSent: 1,
      noticesLeft: 2,
      minDelaySeconds: 1,
    });
    expect(makeContext({ livemode: true }).budgets.minDelaySeconds).toBe(60);
  });
});
