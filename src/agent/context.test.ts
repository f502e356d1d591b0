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

  it('builds a context from megabytes of customer text, cut and still redacted', () => {
    const metadata: Record<string, string> = { a: 'y'.repeat(900_000), b: '1 '.repeat(400_000) };
    for (let i = 0; i < 10_000; i++) metadata[`k${i}`] = `v${i}`;
    metadata[`${'k'.repeat(100_000)}@example.com`] = 'x';
    const ctx = makeContext({
      over: {
        untrusted: {
          metadata: { note: `${'y'.repeat(20_000)} reach me: jo@example.invalid`, ...metadata },
          description: `card 4242 4242 4242 4242, ${'z@'.repeat(50_000)}`,
        },
      },
    });
    const u = ctx.untrusted!;
    expect(Object.keys(u.metadata)).toHaveLength(20);
    expect(u.metadata.note).toBe('y'.repeat(500));
    expect(u.metadata.a).toBe('y'.repeat(500));
    expect(u.metadata.b!.length).toBe(500);
    expect(u.description!.startsWith('card [number], z@z@')).toBe(true);
    expect(u.description!.length).toBe(500);
    expect(JSON.stringify(u)).not.toMatch(/example\.invalid|4242/);
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
  it('shows no amount it cannot trust, and treats an unknown amount as a high one', () => {
    for (const [amount, currency] of [
      [-5, 'usd'],
      [20.5, 'usd'],
      [2000, 'xxx'],
      [2000, null],
    ] as const) {
      const ctx = makeContext({
        over: {
          caseInfo: { ...makeContext().case, amount, currency } as never,
        },
      });
      expect(ctx.payment.display).toBeNull();
      expect(ctx.signals.highAmount).toBe(true);
    }
    expect(makeContext({ amount: 2000, currency: 'usd' }).signals.highAmount).toBe(false);
  });
});
