/**
 * The one place the Slack Web API client is made, and how its errors are read. The client never
 * waits inside itself: rate-limited calls are rejected at once (`rejectRateLimitedCalls`) and
 * network retries are off, so one call cannot hang for the SDK's default half hour; the
 * scheduler reschedules the job after `Retry-After` instead. Success is judged by `ok`, which the
 * SDK turns into a `WebAPIPlatformError` when false.
 */
import slack, {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebClient,
} from '@slack/web-api';
import type { Config } from '../config.ts';

// Read from the default export: some named ESM imports of this CJS package (`retryPolicies`) fail at run time.
const { LogLevel } = slack;

/** Slack errors that are configuration faults: retrying cannot help, a person must fix it. */
export const SLACK_CONFIG_ERRORS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'not_in_channel',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'is_archived',
  'channel_is_archived',
]);

/** Wait after a rate limit that came without a usable `Retry-After`. */
export const SLACK_RATE_LIMIT_FALLBACK_MS = 30_000;
const SLACK_TIMEOUT_MS = 10_000;

export type SlackFailure = {
  kind: 'config' | 'transient' | 'permanent';
  /** Slack's error string (`channel_not_found`, `ratelimited`) or a short description. */
  error: string;
  retryAfterMs?: number;
};

/**
 * Makes the Web API client for the configured token and API URL.
 *
 * @example
 * const web = makeSlack(config);
 */
export function makeSlack(config: Pick<Config, 'slackBotToken' | 'slackApiUrl'>): WebClient {
  return new WebClient(config.slackBotToken, {
    ...(config.slackApiUrl ? { slackApiUrl: withTrailingSlash(config.slackApiUrl) } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: SLACK_TIMEOUT_MS,
    logLevel: LogLevel.ERROR,
  });
}

/** Reads an error thrown by a Web API call. */
export function classifySlackError(err: unknown): SlackFailure {
  if (err instanceof WebAPIRateLimitedError) {
    return { kind: 'transient', error: 'ratelimited', retryAfterMs: secondsToMs(err.retryAfter) };
  }
  if (err instanceof WebAPIPlatformError) {
    const error = err.data.error;
    if (SLACK_CONFIG_ERRORS.has(error)) return { kind: 'config', error };
    if (error === 'ratelimited' || error === 'rate_limited') {
      return { kind: 'transient', error, retryAfterMs: SLACK_RATE_LIMIT_FALLBACK_MS };
    }
    if (error === 'internal_error' || error === 'fatal_error' || error === 'service_unavailable') {
      return { kind: 'transient', error };
    }
    return { kind: 'permanent', error };
  }
  if (err instanceof WebAPIHTTPError) {
    if (err.statusCode === 429) {
      return { kind: 'transient', error: 'ratelimited', retryAfterMs: retryAfterFromHeaders(err.headers) };
    }
    if (err.statusCode >= 500) return { kind: 'transient', error: `http_${err.statusCode}` };
    if (err.statusCode === 401 || err.statusCode === 403)
      return { kind: 'config', error: `http_${err.statusCode}` };
    return { kind: 'permanent', error: `http_${err.statusCode}` };
  }
  const message = err instanceof Error ? err.message : String(err);
  // A 429 without a usable Retry-After surfaces as a plain Error from the SDK.
  if (/rate limit|retry header/i.test(message)) {
    return { kind: 'transient', error: 'ratelimited', retryAfterMs: SLACK_RATE_LIMIT_FALLBACK_MS };
  }
  return { kind: 'transient', error: 'request_failed' };
}

/** `Retry-After` in seconds, read whatever its header case, or the fixed fallback. */
export function retryAfterFromHeaders(headers: Record<string, string | string[] | undefined>): number {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'retry-after') continue;
    const seconds = Number.parseInt(Array.isArray(value) ? (value[0] ?? '') : (value ?? ''), 10);
    return secondsToMs(seconds);
  }
  return SLACK_RATE_LIMIT_FALLBACK_MS;
}

function secondsToMs(seconds: number): number {
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : SLACK_RATE_LIMIT_FALLBACK_MS;
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
