/**
 * `doctor` checks of the outside services, each with a read that changes nothing: Stripe
 * (key mode from its prefix, then a balance read), Slack (`auth.test`, then the channel's
 * `is_member`), SMTP (`verify`, which only greets and logs in) and the Claude model
 * (`models.retrieve`). Every client gets the check's timeout and no retries.
 */
import Anthropic from '@anthropic-ai/sdk';
import { LogLevel, WebClient } from '@slack/web-api';
import nodemailer from 'nodemailer';
import { type Config, plannerChoice } from '../config.ts';
import { makeStripe } from '../tools/stripe-client.ts';
import { type Check, errorText, ok, problem, skipped } from './doctor-check.ts';

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
/** The Slack errors that mean the token itself is wrong (anything else is the address or the network). */
const TOKEN_ERRORS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
]);

function stripeCheck(config: Config): Check {
  return {
    name: 'stripe',
    async run(timeoutMs) {
      const key = config.stripeSecretKey;
      if (!key)
        return skipped('no STRIPE_SECRET_KEY: shadow mode, nothing is sent', 'set STRIPE_SECRET_KEY to act');
      const mode = key.includes('_live_') ? 'live' : 'test';
      const stripe = makeStripe({
        secretKey: key,
        apiBase: config.stripeApiBase,
        maxNetworkRetries: 0,
        timeoutMs,
      });
      try {
        const balance = await stripe.balance.retrieve();
        const live = balance.livemode ? 'live' : 'test';
        if (live !== mode)
          return problem(`${mode}-mode key but Stripe answered in ${live} mode`, 'check the key');
        return ok(`${mode}-mode key reached Stripe${config.shadow ? ' (shadow mode: nothing is sent)' : ''}`);
      } catch (error) {
        const type = (error as { type?: string }).type;
        if (type === 'StripePermissionError') return ok(`${mode}-mode restricted key reached Stripe`);
        if (type === 'StripeAuthenticationError') {
          return problem(`${mode}-mode key refused: ${errorText(error)}`, 'set a valid STRIPE_SECRET_KEY');
        }
        return problem(`cannot reach Stripe: ${errorText(error)}`, 'check STRIPE_API_BASE and the network');
      }
    },
  };
}

async function findChannel(slack: WebClient, channel: string) {
  if (CHANNEL_ID.test(channel)) return (await slack.conversations.info({ channel })).channel;
  const name = channel.replace(/^#/, '');
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const res = await slack.conversations.list({
      limit: 200,
      exclude_archived: true,
      ...(cursor ? { cursor } : {}),
    });
    const found = res.channels?.find((c) => c.name === name);
    if (found) return found;
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) break;
  }
  return undefined;
}

function slackChecks(config: Config): Check[] {
  const token = config.slackBotToken;
  const client = (timeoutMs: number) =>
    new WebClient(token, {
      timeout: timeoutMs,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      // The check's own row says what went wrong; the library's warnings would only repeat it.
      logLevel: LogLevel.ERROR,
      ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    });
  return [
    {
      name: 'slack auth',
      async run(timeoutMs) {
        if (!token) return skipped('no SLACK_BOT_TOKEN: escalations stay in SQLite', 'set SLACK_BOT_TOKEN');
        try {
          const res = await client(timeoutMs).auth.test();
          return ok(`bot ${res.user ?? res.user_id ?? '?'} in team ${res.team ?? res.team_id ?? '?'}`);
        } catch (error) {
          const refused = TOKEN_ERRORS.has(String((error as { data?: { error?: unknown } }).data?.error));
          if (refused) {
            return problem(
              `auth.test refused the token: ${errorText(error)}`,
              'set a valid xoxb- SLACK_BOT_TOKEN',
            );
          }
          return problem(`cannot reach Slack: ${errorText(error)}`, 'check SLACK_API_URL and the network');
        }
      },
    },
    {
      name: 'slack channel',
      async run(timeoutMs) {
        if (!token) return skipped('no SLACK_BOT_TOKEN');
        if (!config.slackChannel)
          return problem('SLACK_CHANNEL is not set', 'set SLACK_CHANNEL to a channel id');
        try {
          const channel = await findChannel(client(timeoutMs), config.slackChannel);
          if (!channel)
            return problem(`no channel ${config.slackChannel}`, 'set SLACK_CHANNEL to a channel id');
          if (!channel.is_member) {
            return problem(
              `the bot is not in ${config.slackChannel}`,
              `invite it: /invite @<bot> in that channel`,
            );
          }
          return ok(`the bot is a member of ${config.slackChannel}`);
        } catch (error) {
          const answered = (error as { code?: string }).code === 'slack_webapi_platform_error';
          return problem(
            `cannot read ${config.slackChannel}: ${errorText(error)}`,
            answered ? 'check SLACK_CHANNEL and scopes' : 'check SLACK_API_URL and the network',
          );
        }
      },
    },
  ];
}

function smtpCheck(config: Config): Check {
  return {
    name: 'smtp',
    async run(timeoutMs) {
      if (!config.smtpUrl)
        return skipped(`no SMTP_URL: notices are written to ${config.outboxDir}`, 'set SMTP_URL');
      const transport = nodemailer.createTransport({
        url: config.smtpUrl,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      });
      try {
        await transport.verify();
        return ok(
          `${new URL(config.smtpUrl).host} accepted the connection${new URL(config.smtpUrl).username ? ' and login' : ''}`,
        );
      } catch (error) {
        return problem(
          `SMTP verify failed: ${errorText(error)}`,
          'check SMTP_URL (host, port, user, password)',
        );
      } finally {
        transport.close();
      }
    },
  };
}

function modelCheck(config: Config): Check {
  return {
    name: 'claude model',
    async run(timeoutMs) {
      const choice = plannerChoice(config);
      if (choice.planner === 'rules') return skipped(`rules planner: ${choice.reason}`);
      const anthropic = new Anthropic({
        apiKey: config.anthropicApiKey ?? null,
        maxRetries: 0,
        timeout: timeoutMs,
        ...(config.anthropicBaseUrl ? { baseURL: config.anthropicBaseUrl } : {}),
      });
      try {
        const model = await anthropic.models.retrieve(config.anthropicModel);
        return ok(`${model.id} is available`);
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === 404) {
          return problem(
            `model ${config.anthropicModel} not found`,
            'set ANTHROPIC_MODEL to an available model',
          );
        }
        if (status === 401 || status === 403) {
          return problem(`key refused (${status})`, 'set a valid ANTHROPIC_API_KEY');
        }
        return problem(
          `cannot reach the model API: ${errorText(error)}`,
          'check ANTHROPIC_BASE_URL and the network',
        );
      }
    },
  };
}

/** The service checks for `config`, in the order the table lists them. */
export function serviceChecks(config: Config): Check[] {
  return [stripeCheck(config), ...slackChecks(config), smtpCheck(config), modelCheck(config)];
}
