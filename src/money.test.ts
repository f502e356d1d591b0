import { describe, expect, it } from 'vitest';
import { currencyDecimals, formatAmount } from './money.ts';

describe('formatAmount', () => {
  it('reads a zero-decimal amount in whole units', () => {
    expect(formatAmount(5000, 'jpy')).toBe('¥5,000');
    expect(formatAmount(11200, 'JPY')).toBe('¥11,200');
  });

  it('reads two-decimal currencies in cents', () => {
    expect(formatAmount(1999, 'usd')).toBe('$19.99');
    expect(formatAmount(24900, 'eur')).toBe('€249.00');
  });

  it('reads three-decimal currencies in thousandths', () => {
    expect(currencyDecimals('kwd')).toBe(3);
    expect(formatAmount(12345, 'kwd')).toBe('KWD 12.345');
  });

  it('falls back to a plain figure for an unknown currency code', () => {
    expect(formatAmount(100, 'zz1')).toBe('1.00 ZZ1');
  });
});
