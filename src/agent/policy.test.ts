import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { DEFAULT_POLICY, loadPolicy, parsePolicy, policyHash, retryDelaysMs } from './policy.ts';

const write = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'policy-')), 'policy.json');
  writeFileSync(path, content);
  return path;
};

describe('policy', () => {
  it('defaults to three strikes: 30 minutes, 24 hours, escalate at the third failure', () => {
    expect(DEFAULT_POLICY.retryDelays).toEqual(['30m', '24h']);
    expect(DEFAULT_POLICY.escalateAfterFailures).toBe(3);
    expect(retryDelaysMs(DEFAULT_POLICY)).toEqual([1_800_000, 86_400_000]);
  });

  it('loads a policy file and keeps defaults for keys it omits', () => {
    const policy = loadPolicy(write('{"retryDelays": ["2s", "3d"], "escalateAfterFailures": 2}'));
    expect(retryDelaysMs(policy)).toEqual([2000, 259_200_000]);
    expect(policy.maxNoticesPerCase).toBe(DEFAULT_POLICY.maxNoticesPerCase);
  });

  it('names the bad key of an invalid file', () => {
    const path = write('{"retryDelays": ["30m", "soon"]}');
    expect(() => loadPolicy(path)).toThrow(ConfigError);
    expect(() => loadPolicy(path)).toThrow(/policy retryDelays\[1\]/);
  });

  it('refuses limits no policy can lift', () => {
    expect(() => parsePolicy({ escalateAfterFailures: 40 })).toThrow(/escalateAfterFailures/);
    expect(() => parsePolicy({ retryDelays: ['400d'] })).toThrow(/retryDelays\[0\]/);
    expect(() => parsePolicy({ retryDelays: Array(9).fill('1h') })).toThrow(/retryDelays/);
  });

  it('refuses unknown keys by name', () => {
    expect(() => parsePolicy({ retryDelay: ['1h'] })).toThrow(/retryDelay/);
  });

  it('refuses a file that is not JSON', () => {
    expect(() => loadPolicy(write('{nope'))).toThrow(ConfigError);
  });

  it('hashes the content, not the key order', () => {
    const a = parsePolicy({ retryDelays: ['1h'], escalateAfterFailures: 2 });
    const b = parsePolicy({ escalateAfterFailures: 2, retryDelays: ['1h'] });
    expect(policyHash(a)).toBe(policyHash(b));
    expect(policyHash(a)).not.toBe(policyHash(DEFAULT_POLICY));
  });
});
