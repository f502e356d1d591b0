import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, plannerChoice, shadowReason, workerConcurrency } from './config.ts';

describe('loadConfig', () => {
  it('uses the embedded defaults with no flags and no environment', () => {
    const config = loadConfig({}, {});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3001, databasePath: './data/billing-agent.db' });
    expect(shadowReason(config)).toBe('STRIPE_SECRET_KEY is not set');
    expect(plannerChoice(config)).toEqual({ planner: 'rules', reason: 'ANTHROPIC_API_KEY is not set' });
  });

  it('prefers a flag to the environment and treats empty values as unset', () => {
    const config = loadConfig(
      { port: '4000', db: '/tmp/x.db' },
      { PORT: '5000', HOST: '', DATABASE_PATH: 'y' },
    );
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', databasePath: '/tmp/x.db' });
  });

  it('splits rotated webhook secrets', () => {
    const config = loadConfig({}, { STRIPE_WEBHOOK_SECRET: 'whsec_a, whsec_b' });
    expect(config.stripeWebhookSecrets).toEqual(['whsec_a', 'whsec_b']);
  });

  it('names every bad setting in one error', () => {
    let error: unknown;
    try {
      loadConfig(
        { port: 'abc' },
        { STRIPE_SECRET_KEY: 'pk_test_1', LOG_LEVEL: 'loud', STRIPE_WEBHOOK_SECRET: 'x' },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('--port / PORT');
    expect(problems).toContain('STRIPE_SECRET_KEY');
    expect(problems).toContain('LOG_LEVEL');
    expect(problems).toContain('STRIPE_WEBHOOK_SECRET');
  });

  it('runs live with a key unless shadow mode is asked for', () => {
    expect(shadowReason(loadConfig({}, { STRIPE_SECRET_KEY: 'sk_test_1' }))).toBeUndefined();
    expect(shadowReason(loadConfig({ shadow: true }, { STRIPE_SECRET_KEY: 'sk_test_1' }))).toBe(
      '--shadow was given',
    );
  });

  it('refuses URLs and addresses that would send mail or money the wrong way', () => {
    const bad = {
      SMTP_URL: 'http://mail.example',
      MAIL_FROM: 'notanemail',
      STRIPE_API_BASE: 'ftp://x',
      SLACK_API_URL: 'file:///etc/passwd',
      ANTHROPIC_BASE_URL: 'javascript:alert(1)',
      PAYMENT_LINK_TEMPLATE: 'javascript:alert(1)//{case}',
      KITE_TOKEN: 'short',
    };
    let error: unknown;
    try {
      loadConfig({}, bad);
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of Object.keys(bad)) expect(problems).toContain(name);
  });

  it('accepts the usual forms of those settings', () => {
    const config = loadConfig(
      {},
      {
        SMTP_URL: 'smtps://user:pass@mail.example:465',
        MAIL_FROM: 'Acme Billing <billing@acme.example>',
        STRIPE_API_BASE: 'http://127.0.0.1:12111',
        PAYMENT_LINK_TEMPLATE: 'https://acme.example/pay/{customer}?case={case}',
        KITE_TOKEN: 'k3y_with-safe.chars~ok',
      },
    );
    expect(config.paymentLinkTemplate).toBe('https://acme.example/pay/{customer}?case={case}');
  });

  it('decides more cases at once with the rules planner than with the model, unless told', () => {
    expect(workerConcurrency(loadConfig({}, {}))).toBe(32);
    expect(workerConcurrency(loadConfig({}, { ANTHROPIC_API_KEY: 'sk-ant-x' }))).toBe(8);
    expect(
      workerConcurrency(loadConfig({}, { ANTHROPIC_API_KEY: 'sk-ant-x', WORKER_CONCURRENCY: '3' })),
    ).toBe(3);
  });
});
