import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';
import { seedDatabase } from './seed.ts';

let db: string;

beforeAll(() => {
  db = seedDatabase();
});

describe('billing-agent replay', () => {
  const badArguments: [string[], RegExp][] = [
    [['--case', 'pi_x', '--since', '2d'], /--case or --since, not both/],
    [['--planner', 'gpt'], /--planner must be rules or claude/],
    [['--since', 'yesterday'], /--since yesterday/],
    [['--since', '-2d'], /--since -2d: give a duration back from now without a sign/],
    [['--timeout', 'soon'], /--timeout must be a number of seconds/],
    [['--unknown'], /Unknown option/],
    [['--prompt', 'prompts/policy.md'], /--prompt only changes the claude planner/],
  ];
  for (const [args, message] of badArguments) {
    it(`exits 2 with a clear message on replay ${args.join(' ')}`, async () => {
      const r = await runCli(['replay', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('usage: billing-agent replay');
    });
  }

  it('exits 2 when --planner claude has no API key', async () => {
    const r = await runCli(['replay', '--planner', 'claude']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/claude needs ANTHROPIC_API_KEY/);
  });

  it('exits 1 for a case id that matches nothing', async () => {
    const r = await runCli(['replay', '--case', 'pi_nothing_here', '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no case found for pi_nothing_here');
  });

  it('exits 1 when the database file does not exist', async () => {
    const r = await runCli(['replay', '--db', join(tmpdir(), 'ba-no-such-dir', 'x.db')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no database at');
  });

  it('reports a recorded context it cannot re-decide instead of crashing', async () => {
    const r = await runCli(['replay', '--case', 'in_test_closed', '--db', db, '--fail-on-diff']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('could not decide');
    expect(r.stdout).toContain('1 could not be re-decided');
  });

  it('selects nothing after a later --since and says so', async () => {
    const r = await runCli(['replay', '--since', '2099-01-01T00:00:00Z', '--db', db, '--fail-on-diff']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Summary: 0 decisions');
  });
});
