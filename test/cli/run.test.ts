import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './run-cli.ts';

type Daemon = { child: ChildProcessWithoutNullStreams; url: string; lines: Record<string, unknown>[] };

const started: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `billing-agent run` and resolves with its URL once the start-up line is logged. */
function startRun(args: string[], env: Record<string, string> = {}): Promise<Daemon> {
  const child = spawn(process.execPath, ['bin/billing-agent.js', 'run', '--port', '0', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
  });
  started.push(child);
  const lines: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('the daemon did not start')), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        if (line.msg === 'billing-agent started') {
          clearTimeout(timer);
          resolve({ child, url: String(line.url), lines });
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`the daemon exited with ${code}`)));
  });
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

const failure = {
  id: 'evt_run_1',
  object: 'event',
  type: 'payment_intent.payment_failed',
  api_version: '2026-11-18.endive',
  created: Math.floor(Date.now() / 1000),
  livemode: false,
  data: {
    object: {
      id: 'pi_run_1',
      object: 'payment_intent',
      amount: 1500,
      currency: 'usd',
      customer: 'cus_run_1',
      latest_charge: 'ch_run_1',
      last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds' },
    },
  },
};

describe('billing-agent run', () => {
  it('says how it runs, answers, stops on SIGTERM with 0, and keeps what it accepted across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'billing-agent-run-'));
    const db = join(dir, 'agent.db');
    const first = await startRun(['--db', db, '--outbox', join(dir, 'outbox')]);
    const startLine = first.lines.find((l) => l.msg === 'billing-agent started');
    expect(startLine).toMatchObject({
      database: db,
      planner: 'rules',
      plannerReason: 'ANTHROPIC_API_KEY is not set',
      mode: 'shadow',
      modeReason: 'STRIPE_SECRET_KEY is not set',
      stripe: 'not configured',
    });

    const answer = await fetch(`${first.url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'ce-1',
        source: 'kite',
        type: `com.stripe.${failure.type}`,
        data: failure,
      }),
    });
    expect(answer.status).toBe(200);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    expect(metrics).toContain('billing_agent_events_received_total');

    first.child.kill('SIGTERM');
    expect(await exitOf(first.child)).toBe(0);
    expect(first.lines.some((l) => l.msg === 'billing-agent stopped')).toBe(true);

    const second = await startRun(['--db', db, '--outbox', join(dir, 'outbox')]);
    const deadline = Date.now() + 10_000;
    let status: string | undefined;
    while (Date.now() < deadline) {
      const reader = new Database(db, { readonly: true });
      status = (
        reader.prepare('SELECT status FROM inbox WHERE stripe_event_id = ?').get('evt_run_1') as
          | { status: string }
          | undefined
      )?.status;
      reader.close();
      if (status === 'done') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe('done');
    second.child.kill('SIGINT');
    expect(await exitOf(second.child)).toBe(0);
  });

  it('refuses a port that is already taken with one clear line and exit 2', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'billing-agent-run-'));
    const result = await runCli(['run', '--port', String(port), '--db', join(dir, 'a.db')]);
    blocker.close();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('already in use');
    expect(result.stderr).not.toContain('    at ');
  });

  it('names every bad setting and exits 2 before starting anything', async () => {
    const result = await runCli(['run', '--port', 'abc'], {
      env: { SMTP_URL: 'http://x', LOG_LEVEL: 'loud' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port / PORT');
    expect(result.stderr).toContain('SMTP_URL');
    expect(result.stderr).toContain('LOG_LEVEL');
  });

  it('stops on an invalid policy file, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'billing-agent-run-'));
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ retryDelays: ['30m', 'soon'], escalateAfterFailures: 3 }));
    const result = await runCli(['run', '--policy', policy, '--db', join(dir, 'a.db')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('retryDelays');
  });

  it('names a database it cannot open instead of printing a stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'billing-agent-run-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const result = await runCli(['run', '--db', join(file, 'agent.db')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--db / DATABASE_PATH: cannot open ${join(file, 'agent.db')}`);
    expect(result.stderr).not.toContain('    at ');
  });

  it('refuses the claude planner without a key rather than quietly using the rules', async () => {
    const result = await runCli(['run', '--planner', 'claude']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('claude needs ANTHROPIC_API_KEY');
  });

  it('refuses an unknown flag with exit 2 and the usage', async () => {
    const result = await runCli(['run', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: billing-agent run');
  });
});
