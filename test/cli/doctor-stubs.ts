/**
 * Small local stand-ins for the services `doctor` reads: a Stripe balance, Slack `auth.test`
 * and `conversations.info`, the Anthropic models endpoint (one express app on 127.0.0.1:0),
 * a real SMTP server that takes one login, and a server that accepts and never answers.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';

export const GOOD = {
  stripe: 'sk_test_good',
  slack: 'xoxb-good',
  anthropic: 'sk-ant-good',
  smtpPass: 'secret',
};

export type Stubs = { api: string; smtp: string; hang: string; close(): Promise<void> };

function listen(server: Server | SMTPServer): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const s = server as unknown as { server?: Server; address?: () => AddressInfo };
      const address = (s.server ?? (server as Server)).address() as AddressInfo;
      resolve(address.port);
    });
  });
}

export async function startStubs(): Promise<Stubs> {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.get('/v1/balance', (req, res) => {
    if (req.headers.authorization !== `Bearer ${GOOD.stripe}`) {
      res.status(401).json({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      return;
    }
    res.json({ object: 'balance', livemode: false, available: [], pending: [] });
  });
  const slackToken = (req: express.Request) => req.headers.authorization === `Bearer ${GOOD.slack}`;
  app.post('/api/auth.test', (req, res) => {
    res.json(
      slackToken(req)
        ? { ok: true, user: 'billing-bot', team: 'Acme' }
        : { ok: false, error: 'invalid_auth' },
    );
  });
  app.post('/api/conversations.info', (req, res) => {
    const id = String(req.body.channel);
    if (!slackToken(req)) res.json({ ok: false, error: 'invalid_auth' });
    else if (id === 'C0MEMBER' || id === 'C0OUTSIDE') {
      res.json({ ok: true, channel: { id, name: 'billing', is_member: id === 'C0MEMBER' } });
    } else res.json({ ok: false, error: 'channel_not_found' });
  });
  app.get('/v1/models/:id', (req, res) => {
    const key = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '');
    if (key !== GOOD.anthropic) {
      res
        .status(401)
        .json({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    } else if (req.params.id !== 'claude-sonnet-4-6') {
      res
        .status(404)
        .json({ type: 'error', error: { type: 'not_found_error', message: `model: ${req.params.id}` } });
    } else {
      res.json({
        type: 'model',
        id: req.params.id,
        display_name: 'Claude Sonnet 4.6',
        created_at: '2026-01-01T00:00:00Z',
      });
    }
  });
  const api = createServer(app);
  const hang = createServer(() => {});
  const smtp = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, cb) {
      if (auth.password === GOOD.smtpPass) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
  });
  const [apiPort, hangPort, smtpPort] = await Promise.all([listen(api), listen(hang), listen(smtp)]);
  return {
    api: `http://127.0.0.1:${apiPort}`,
    hang: `http://127.0.0.1:${hangPort}`,
    smtp: `127.0.0.1:${smtpPort}`,
    async close() {
      hang.closeAllConnections();
      api.closeAllConnections();
      await Promise.all([
        new Promise((r) => api.close(r)),
        new Promise((r) => hang.close(r)),
        new Promise((r) => smtp.close(() => r(undefined))),
      ]);
    },
  };
}
