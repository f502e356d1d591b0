/**
 * The fake Messages API must answer a reply scripted with `delayMs` (the model benchmark's fixed
 * 800 ms answer needs it). It does not: after the wait it checks `req.destroyed`, which Node sets
 * as soon as express has read the body, so a delayed reply is never sent and the client times
 * out. Marked as failing until `src/fakes/fake-anthropic.ts` checks the response (or the
 * socket) instead; the benchmark puts the delay in a front of its own meanwhile.
 */
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { startFakeAnthropic, toolUse } from '../../src/fakes/fake-anthropic.ts';

describe('fake messages api', () => {
  it.fails('answers a reply scripted with a delay', async () => {
    const fake = await startFakeAnthropic({
      replies: [toolUse([{ name: 'no_action', input: { rationale: 'wait' } }], { delayMs: 50 })],
    });
    try {
      const client = new Anthropic({ apiKey: 'k', baseURL: fake.url, timeout: 2000, maxRetries: 0 });
      const message = await client.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(message.stop_reason).toBe('tool_use');
    } finally {
      await fake.close();
    }
  });
});
