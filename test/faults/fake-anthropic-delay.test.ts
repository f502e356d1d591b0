/**
 * The fake Messages API answers a reply scripted with `delayMs` (the model benchmark's fixed 800 ms
 * answer needs it): the wait must not be mistaken for a client that went away.
 */
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { startFakeAnthropic, toolUse } from '../../src/fakes/fake-anthropic.ts';

describe('fake messages api', () => {
  it('answers a reply scripted with a delay', async () => {
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
