/**
 * A fake Anthropic Messages API on 127.0.0.1 for tests, the bench and the demo: it answers
 * `POST /v1/messages` from a script of replies, in order (then from an optional responder),
 * records every request, and can answer 529 overloaded, 429 with `retry-after`, slowly, or not
 * at all. Usage counters imitate prompt caching: the first request with a given tools + system
 * prefix reports `cache_creation_input_tokens`, later ones `cache_read_input_tokens`.
 * It speaks the non-streaming API only (the planner does not stream), and answers
 * `GET /v1/models` and `GET /v1/models/:id` so that `doctor`'s model check passes against it.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';

/** One scripted answer. */
export type FakeReply =
  | {
      kind: 'message';
      content: Array<Record<string, unknown>>;
      stop_reason?: string;
      delayMs?: number;
      model?: string;
    }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { kind: 'hang' };

export type RecordedRequest = {
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  at: number;
};

export type FakeAnthropic = {
  url: string;
  requests: RecordedRequest[];
  /** Appends replies to the script. */
  script(replies: FakeReply[]): void;
  /** Replies left in the script. */
  remaining(): number;
  close(): Promise<void>;
};

export type FakeAnthropicOptions = {
  replies?: FakeReply[];
  /** Answers once the script is used up (default: a 500 saying the script ran out). */
  responder?: (body: Record<string, unknown>, index: number) => FakeReply;
  /** Answers 429 with `retry-after` once more than `perSecond` requests arrived in the last second. */
  rateLimit?: { perSecond: number; retryAfterSeconds?: number };
};

/** The overloaded error body the API sends with HTTP 529. */
export const OVERLOADED_BODY = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };

/** The body of a 429. */
export const RATE_LIMITED_BODY = {
  type: 'error',
  error: { type: 'rate_limit_error', message: 'Rate limited' },
};

/**
 * A reply with tool calls.
 *
 * @example
 * toolUse([{ name: 'no_action', input: { rationale: 'wait' } }]);
 */
export function toolUse(
  calls: Array<{ name: string; input: unknown }>,
  options: { stop_reason?: string; text?: string; delayMs?: number } = {},
): FakeReply {
  return {
    kind: 'message',
    content: [
      ...(options.text ? [{ type: 'text', text: options.text }] : []),
      ...calls.map((c, i) => ({ type: 'tool_use', id: `toolu_fake_${i + 1}`, name: c.name, input: c.input })),
    ],
    stop_reason: options.stop_reason ?? 'tool_use',
    ...(options.delayMs ? { delayMs: options.delayMs } : {}),
  };
}

/** Starts the fake on 127.0.0.1, port 0. */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const queue: FakeReply[] = [...(options.replies ?? [])];
  const requests: RecordedRequest[] = [];
  const prefixes = new Set<string>();
  const recent: number[] = [];
  const hanging = new Set<express.Response>();
  const app = express();
  app.use(express.json({ limit: '5mb' }));
  // The models API, as `doctor` reads it: every model id exists, except ones named `*nonexistent*`.
  const model = (id: string) => ({
    type: 'model',
    id,
    display_name: id,
    created_at: '2026-01-01T00:00:00Z',
  });
  app.get('/v1/models', (_req, res) => {
    res.json({ data: [model('claude-sonnet-4-6')], has_more: false, first_id: null, last_id: null });
  });
  app.get('/v1/models/:id', (req, res) => {
    if (req.params.id.includes('nonexistent')) {
      res.status(404).json({ type: 'error', error: { type: 'not_found_error', message: 'model not found' } });
      return;
    }
    res.json(model(req.params.id));
  });
  app.post('/v1/messages', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const index = requests.length;
    const at = Date.now();
    requests.push({ body, headers: req.headers, at });
    const limit = options.rateLimit;
    if (limit) {
      recent.push(at);
      while (recent.length > 0 && recent[0]! <= at - 1000) recent.shift();
      if (recent.length > limit.perSecond) {
        const retryAfter = String(limit.retryAfterSeconds ?? 1);
        res
          .status(429)
          .set({ 'retry-after': retryAfter, 'request-id': `req_fake_${index}` })
          .json(RATE_LIMITED_BODY);
        return;
      }
    }
    const reply = queue.shift() ??
      options.responder?.(body, index) ?? {
        kind: 'status',
        status: 500,
        body: { type: 'error', error: { type: 'api_error', message: 'fake script ran out' } },
        headers: { 'x-should-retry': 'false' },
      };
    if (reply.kind === 'hang') {
      hanging.add(res);
      return;
    }
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed || res.writableEnded) return;
    if (reply.kind === 'status') {
      res
        .status(reply.status)
        .set({ 'request-id': `req_fake_${index}`, ...(reply.headers ?? {}) })
        .json(reply.body ?? {});
      return;
    }
    res.set('request-id', `req_fake_${index}`).json({
      id: `msg_fake_${index}`,
      type: 'message',
      role: 'assistant',
      model: reply.model ?? (body.model as string),
      content: reply.content,
      stop_reason: reply.stop_reason ?? 'tool_use',
      stop_sequence: null,
      usage: usageFor(body, prefixes, reply),
    });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (replies) => {
      queue.push(...replies);
    },
    remaining: () => queue.length,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function usageFor(body: Record<string, unknown>, prefixes: Set<string>, reply: FakeReply) {
  const prefix = JSON.stringify([body.tools ?? null, body.system ?? null]);
  const prefixTokens = Math.ceil(prefix.length / 4);
  const key = createHash('sha256').update(prefix).digest('hex');
  const cached = prefixes.has(key);
  prefixes.add(key);
  const output = reply.kind === 'message' ? Math.ceil(JSON.stringify(reply.content).length / 4) : 0;
  return {
    input_tokens: Math.ceil(JSON.stringify(body.messages ?? []).length / 4),
    output_tokens: output,
    cache_creation_input_tokens: cached ? 0 : prefixTokens,
    cache_read_input_tokens: cached ? prefixTokens : 0,
  };
}
