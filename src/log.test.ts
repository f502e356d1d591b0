import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { makeLogger } from './log.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: makeLogger({ level: 'info', destination }), lines };
}

describe('makeLogger', () => {
  it('redacts secrets, addresses and card data by name', () => {
    const { log, lines } = capture();
    log.info({ apiKey: 'sk_live_x', email: 'a@b.io', card: { number: '4242' } }, 'configured');
    const text = lines.join('');
    expect(text).not.toContain('sk_live_x');
    expect(text).not.toContain('a@b.io');
    expect(text).not.toContain('4242');
  });

  it('scrubs addresses and card numbers from any string, errors included', () => {
    const { log, lines } = capture();
    log.error(
      { err: new Error('mail to jenny@example.com refused'), detail: { note: 'card 4242 4242 4242 4242' } },
      'notice failed',
    );
    const text = lines.join('');
    expect(text).not.toContain('jenny@example.com');
    expect(text).not.toContain('4242 4242');
    expect(text).toContain('mail to [email] refused');
    expect(JSON.parse(text)).toMatchObject({ msg: 'notice failed', detail: { note: 'card [number]' } });
  });
});
