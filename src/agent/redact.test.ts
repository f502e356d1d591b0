import { describe, expect, it } from 'vitest';
import { redactEmails, redactText } from './redact.ts';

describe('redactText', () => {
  it('removes e-mail addresses and card numbers', () => {
    expect(redactText('mail a.b+x@mail.example.invalid, or <c@d.io>; card 4242-4242-4242-4242', 500)).toBe(
      'mail [email], or <[email]>; card [number]',
    );
    expect(redactText('4000056655665556 and 4242 4242 4242 4242', 500)).toBe('[number] and [number]');
  });

  it('leaves text without a whole address alone', () => {
    expect(redactEmails('@handle, a@b, x@.com, y@com., no at sign')).toBe(
      '@handle, a@b, x@.com, y@com., no at sign',
    );
  });

  it('cuts to the length after redacting, so an address at the edge is not left half visible', () => {
    const text = `${'z'.repeat(490)} jane.doe@example.com`;
    expect(redactText(text, 500)).toBe(`${'z'.repeat(490)} [email]`.slice(0, 500));
  });

  it('scans hostile text of any size at once', () => {
    for (const text of [
      'y'.repeat(900_000),
      '1 '.repeat(400_000),
      'a@'.repeat(300_000),
      `a@${'b.'.repeat(300_000)}`,
      `${'x'.repeat(50_000)}@${'y'.repeat(50_000)}`,
    ]) {
      expect(redactText(text, 500).length).toBeLessThanOrEqual(500);
    }
    expect(redactText('y'.repeat(900_000), 500)).toBe('y'.repeat(500));
    expect(redactEmails(`${'x'.repeat(100_000)}@${'y'.repeat(100_000)}`)).toHaveLength(200_001);
  });
});
