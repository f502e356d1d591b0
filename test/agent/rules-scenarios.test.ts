import { describe, expect, it } from 'vitest';
import { decide } from '../../src/agent/decide.ts';
import { DEFAULT_POLICY } from '../../src/agent/policy.ts';
import { makeRulesPlanner } from '../../src/agent/rules-planner.ts';
import { SCENARIOS } from './scenarios.ts';

describe('rules planner scenarios', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const result = await decide(s.ctx(), makeRulesPlanner(), DEFAULT_POLICY);
    const tools = result.actions.map((a) => a.tool).sort();
    expect(tools).toEqual(s.rules.tools);
    for (const tool of s.forbidden) expect(tools).not.toContain(tool);
    for (const tool of s.required) expect(tools).toContain(tool);
    const notice = result.actions.find((a) => a.tool === 'notify_customer');
    if (s.rules.template) expect(notice?.input).toMatchObject({ template: s.rules.template });
    const retry = result.actions.find((a) => a.tool === 'retry_payment');
    if (s.rules.retryDelay !== undefined)
      expect(retry?.input).toMatchObject({ delay_seconds: s.rules.retryDelay });
    expect(result.planner).toBe('rules');
  });
});
