/**
 * A local stand-in for the Slack Web API on 127.0.0.1, for tests and `billing-agent demo`.
 * Form-encoded like Slack (with `blocks` as a JSON string), it records every posted message with
 * its `thread_ts` and metadata, answers `auth.test`, `conversations.info` and
 * `conversations.history`, and can be scripted to fail the way Slack does: `ok:false` errors
 * with HTTP 200, and 429 with or without `Retry-After`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

export type SlackMessage = {
  channel: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  thread_ts: string | undefined;
  ts: string;
  metadata: unknown;
};

export type SlackRequest = {
  method: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
};

/** One scripted failure: an `ok:false` error at HTTP 200, or a 429. */
export type SlackFault =
  | { method?: string; error: string; count?: number }
  | { method?: string; status: 429; retryAfter?: number | string; retryAfterHeader?: string; count?: number };

export type FakeSlack = {
  /** The Web API base URL, ending in `/api/`. */
  url: string;
  requests: SlackRequest[];
  messages: SlackMessage[];
  fail(fault: SlackFault): void;
  /** Answer every call after `ms` (a slow Slack). */
  setLatency(ms: number): void;
  close(): Promise<void>;
};

/**
 * Starts the fake on 127.0.0.1.
 *
 * @example
 * const slack = await startFakeSlack();
 * const web = makeSlack({ slackBotToken: 'xoxb-test', slackApiUrl: slack.url });
 */
export async function startFakeSlack(options: { port?: number; host?: string } = {}): Promise<FakeSlack> {
  const requests: SlackRequest[] = [];
  const messages: SlackMessage[] = [];
  const faults: (SlackFault & { count: number })[] = [];
  let latencyMs = 0;
  let tsCounter = 0;
  const app = express();
  app.use(express.urlencoded({ extended: true }));
  app.use(express.json());

  app.post('/api/:method', async (req, res) => {
    const method = String(req.params.method);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const authorization = req.header('authorization') ?? undefined;
    requests.push({ method, body, authorization });
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    if (!authorization?.startsWith('Bearer xox')) return void res.json({ ok: false, error: 'not_authed' });
    const index = faults.findIndex((f) => !f.method || f.method === method);
    if (index >= 0) {
      const fault = faults[index]!;
      fault.count -= 1;
      if (fault.count <= 0) faults.splice(index, 1);
      if ('status' in fault) {
        if (fault.retryAfter !== undefined)
          res.setHeader(fault.retryAfterHeader ?? 'Retry-After', String(fault.retryAfter));
        return void res.status(429).json({ ok: false, error: 'ratelimited' });
      }
      return void res.json({ ok: false, error: fault.error });
    }
    switch (method) {
      case 'auth.test':
        return void res.json({
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake',
          user: 'billing-agent',
          team_id: 'T0FAKE',
          user_id: 'U0FAKE',
          bot_id: 'B0FAKE',
        });
      case 'conversations.info':
        return void res.json({
          ok: true,
          channel: {
            id: String(body.channel ?? 'C0FAKE'),
            name: 'billing',
            is_member: true,
            is_private: false,
          },
        });
      case 'conversations.history': {
        const oldest = Number(body.oldest ?? 0);
        const withMeta = String(body.include_all_metadata) === 'true';
        const found = messages
          .filter((m) => m.channel === body.channel && !m.thread_ts && Number(m.ts) >= oldest)
          .reverse()
          .map((m) => ({
            type: 'message',
            text: m.text,
            ts: m.ts,
            ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
          }));
        return void res.json({ ok: true, messages: found, has_more: false });
      }
      case 'chat.postMessage': {
        tsCounter += 1;
        const ts = `${1_700_000_000 + tsCounter}.${String(tsCounter).padStart(6, '0')}`;
        const blocks =
          typeof body.blocks === 'string'
            ? (JSON.parse(body.blocks) as unknown[])
            : (body.blocks as unknown[] | undefined);
        const channel = String(body.channel ?? '');
        messages.push({
          channel,
          text: body.text as string | undefined,
          blocks,
          thread_ts: body.thread_ts as string | undefined,
          ts,
          metadata: typeof body.metadata === 'string' ? JSON.parse(body.metadata) : body.metadata,
        });
        return void res.json({ ok: true, channel, ts, message: { text: body.text, ts } });
      }
      default:
        return void res.json({ ok: false, error: 'unknown_method' });
    }
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    requests,
    messages,
    fail: (fault) => void faults.push({ ...fault, count: fault.count ?? 1 }),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
