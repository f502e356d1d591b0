import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startProgress } from '../../src/cli/progress.ts';

function stream(isTTY: boolean) {
  const s = Object.assign(new PassThrough(), { isTTY, columns: 80 });
  let text = '';
  s.on('data', (d) => {
    text += d;
  });
  return { s, text: () => text };
}

describe('startProgress', () => {
  it('draws nothing when the stream is not a terminal', () => {
    const out = stream(false);
    const bar = startProgress(out.s, 10, 'replay');
    bar.tick();
    bar.stop();
    expect(out.text()).toBe('');
  });

  it('draws a bar on a terminal', () => {
    const out = stream(true);
    const bar = startProgress(out.s, 3, 'replay');
    for (let i = 0; i < 3; i++) bar.tick();
    bar.stop();
    expect(out.text()).toContain('replay [');
  });
});
