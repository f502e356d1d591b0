import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads every unit the policy file may use', () => {
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('3d')).toBe(259_200_000);
    expect(parseDuration('500ms')).toBe(500);
  });

  it('refuses what is not a duration', () => {
    for (const bad of ['', '30', 'm', '-5m', '5 minutes', '1y']) expect(parseDuration(bad)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it('uses the largest whole unit', () => {
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1500)).toBe('1500ms');
  });
});
