/**
 * The daemon's configuration: flags, else environment variables, else the embedded defaults.
 * Everything is validated once, at start-up, by one zod schema; a bad value stops the start
 * with one message naming every problem. No other module reads `process.env`.
 */
import { z } from 'zod';

/** Where a setting may come from: its command-line flag and its environment variable. */
export type SettingSource = { flag?: string; env?: string; description: string };

/** Every setting, its flag and its environment variable, in the order the README lists them. */
export const SETTINGS = {
  host: { flag: 'host', env: 'HOST', description: 'address the HTTP server binds to' },
  port: { flag: 'port', env: 'PORT', description: 'HTTP port' },
  databasePath: { flag: 'db', env: 'DATABASE_PATH', description: 'SQLite file' },
  kiteToken: { env: 'KITE_TOKEN', description: 'secret last path segment of POST /webhook/<token>' },
  kiteSocket: { flag: 'kite-socket', env: 'KITE_SOCKET', description: 'read `kite listen --socket` NDJSON' },
  stripeWebhookSecrets: {
    env: 'STRIPE_WEBHOOK_SECRET',
    description: 'whsec_… signing secret(s) for POST /stripe/webhook, comma-separated while rotating',
  },
  stripeSecretKey: { env: 'STRIPE_SECRET_KEY', description: 'Stripe API key; unset means shadow mode' },
  stripeApiBase: { env: 'STRIPE_API_BASE', description: 'another Stripe API server (tests, stripe-mock)' },
  anthropicApiKey: { env: 'ANTHROPIC_API_KEY', description: 'Claude API key; unset means the rules planner' },
  anthropicModel: { env: 'ANTHROPIC_MODEL', description: 'Claude model id' },
  anthropicBaseUrl: { env: 'ANTHROPIC_BASE_URL', description: 'another Messages API server' },
  planner: {
    flag: 'planner',
    env: 'PLANNER',
    description: '`claude` or `rules` (default: claude with a key)',
  },
  slackBotToken: {
    env: 'SLACK_BOT_TOKEN',
    description: 'xoxb-… bot token; unset keeps escalations in SQLite',
  },
  slackChannel: { env: 'SLACK_CHANNEL', description: 'channel id or name for escalations' },
  slackApiUrl: { env: 'SLACK_API_URL', description: 'another Slack Web API server' },
  smtpUrl: { env: 'SMTP_URL', description: 'smtp://user:pass@host:port; unset writes .eml files' },
  mailFrom: { env: 'MAIL_FROM', description: 'sender of customer notices' },
  outboxDir: { flag: 'outbox', env: 'OUTBOX_DIR', description: 'folder for rendered notices (.eml)' },
  merchantName: { env: 'MERCHANT_NAME', description: 'name customers see in notices' },
  paymentLinkTemplate: {
    env: 'PAYMENT_LINK_TEMPLATE',
    description: 'link for notices without an invoice page; {customer}, {payment_intent}, {case}',
  },
  policyFile: { flag: 'policy', env: 'POLICY_FILE', description: 'JSON policy file' },
  shadow: { flag: 'shadow', env: 'SHADOW', description: 'decide and record, send nothing' },
  logLevel: { env: 'LOG_LEVEL', description: 'pino level' },
  workerConcurrency: {
    env: 'WORKER_CONCURRENCY',
    description: 'cases decided at once (unset: 32 with the rules planner, 8 with claude)',
  },
} as const satisfies Record<string, SettingSource>;

export type SettingName = keyof typeof SETTINGS;

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());
const booleanish = z.preprocess(
  emptyToUndefined,
  z
    .union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no'])])
    .optional()
    .transform((v) => v === true || v === '1' || v === 'true' || v === 'yes'),
);

/** An http(s) URL, for servers the daemon talks to. */
const httpUrl = z.preprocess(
  emptyToUndefined,
  z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
);

/** `a@b.example` or `Name <a@b.example>`. */
const MAIL_ADDRESS = /^(?:[^<>]{0,200}<)?[^\s@<>]{1,64}@[^\s@<>]{1,255}>?$/;

/** A link with `{customer}`, `{payment_intent}` or `{case}` in it, which must come out as an http(s) URL. */
const linkTemplate = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .refine(
      (text) => {
        const filled = text.replace(/\{(customer|payment_intent|case)\}/g, 'x');
        return /^https?:\/\//.test(filled) && URL.canParse(filled);
      },
      { message: 'must be an http:// or https:// URL (placeholders {customer}, {payment_intent}, {case})' },
    )
    .optional(),
);

export const ConfigSchema = z.object({
  host: z.preprocess(emptyToUndefined, z.string().min(1).default('127.0.0.1')),
  port: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3001)),
  databasePath: z.preprocess(emptyToUndefined, z.string().min(1).default('./data/billing-agent.db')),
  kiteToken: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9._~-]{12,256}$/, 'must be 12 or more URL-safe characters (letters, digits, . _ ~ -)')
      .optional(),
  ),
  kiteSocket: optionalString,
  stripeWebhookSecrets: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .transform((v) => (v ? v.split(',').map((s) => s.trim()) : []))
      .pipe(z.array(z.string().startsWith('whsec_', 'each secret must start with whsec_'))),
  ),
  stripeSecretKey: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^(sk|rk)_(test|live)_/, 'must start with sk_test_, sk_live_, rk_test_ or rk_live_')
      .optional(),
  ),
  stripeApiBase: httpUrl,
  anthropicApiKey: optionalString,
  anthropicModel: z.preprocess(emptyToUndefined, z.string().default('claude-sonnet-4-6')),
  anthropicBaseUrl: httpUrl,
  planner: z.preprocess(emptyToUndefined, z.enum(['claude', 'rules']).optional()),
  slackBotToken: optionalString,
  slackChannel: optionalString,
  slackApiUrl: httpUrl,
  smtpUrl: z.preprocess(
    emptyToUndefined,
    z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  ),
  mailFrom: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(MAIL_ADDRESS, 'must be an e-mail address, or Name <address>')
      .default('billing@example.com'),
  ),
  outboxDir: z.preprocess(emptyToUndefined, z.string().default('./data/outbox')),
  merchantName: z.preprocess(emptyToUndefined, z.string().default('Example Inc.')),
  paymentLinkTemplate: linkTemplate,
  policyFile: optionalString,
  shadow: booleanish,
  logLevel: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  workerConcurrency: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(256).optional()),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Raised when the configuration is invalid; `problems` names every bad setting. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = new.target.name;
    this.problems = problems;
  }
}

/**
 * Builds the configuration from parsed flags (by flag name) and an environment.
 *
 * @example
 * const config = loadConfig({ port: '0' }, process.env);
 */
export function loadConfig(
  flags: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): Config {
  const raw: Record<string, unknown> = {};
  for (const [name, source] of Object.entries(SETTINGS) as [SettingName, SettingSource][]) {
    const fromFlag = source.flag === undefined ? undefined : flags[source.flag];
    raw[name] = fromFlag ?? (source.env === undefined ? undefined : env[source.env]);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]) as SettingName;
        const source: SettingSource | undefined = SETTINGS[name];
        const label = [source?.flag && `--${source.flag}`, source?.env].filter(Boolean).join(' / ');
        return `${label || name}: ${issue.message}`;
      }),
    );
  }
  if (parsed.data.planner === 'claude' && !parsed.data.anthropicApiKey) {
    throw new ConfigError(['--planner / PLANNER: claude needs ANTHROPIC_API_KEY (or choose rules)']);
  }
  return parsed.data;
}

/** Why actions run in shadow mode, or `undefined` when they run live. */
export function shadowReason(config: Config): string | undefined {
  if (config.shadow) return '--shadow was given';
  if (!config.stripeSecretKey) return 'STRIPE_SECRET_KEY is not set';
  return undefined;
}

/** Which planner decides, and why. */
export function plannerChoice(config: Config): { planner: 'claude' | 'rules'; reason: string } {
  if (config.planner === 'rules') return { planner: 'rules', reason: 'rules planner chosen' };
  if (!config.anthropicApiKey) return { planner: 'rules', reason: 'ANTHROPIC_API_KEY is not set' };
  return { planner: 'claude', reason: `model ${config.anthropicModel}` };
}

/**
 * Cases decided at once. The rules planner is CPU-bound and its decisions share group commits,
 * so more lanes help; the Claude planner is bound by the model's rate limit, so fewer calls
 * wait at once.
 */
export function workerConcurrency(config: Config): number {
  return config.workerConcurrency ?? (plannerChoice(config).planner === 'claude' ? 8 : 32);
}
