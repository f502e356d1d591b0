/**
 * The dunning policy: what the operator may tune, validated against the hard limits. The
 * default is the product's three strikes: notify and retry in 30 minutes, notify and retry in
 * 24 hours, then escalate. A policy file (`--policy FILE` / `POLICY_FILE`, JSON) overrides any
 * key; a bad file stops the start with a message naming the key. `highAmountThreshold` is per
 * currency in MAJOR units (dollars, yen), so `{"usd": 5000, "jpy": 750000}` reads as people say it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config.ts';
import { parseDuration } from '../duration.ts';
import {
  MAX_ESCALATE_AFTER_FAILURES,
  MAX_NOTICES_PER_CASE,
  MAX_RETRIES_PER_CASE,
  MAX_RETRY_DELAY_MS,
  TEST_MIN_RETRY_DELAY_MS,
} from './limits.ts';

const durationString = (min: number, max: number) =>
  z.string().refine(
    (text) => {
      const ms = parseDuration(text);
      return ms !== undefined && ms >= min && ms <= max;
    },
    {
      message: `must be a duration such as "30m" or "24h", from ${min / 1000}s to ${max / 86_400_000}d`,
    },
  );

export const PolicySchema = z.strictObject({
  /** Retry n waits `retryDelays[n-1]` after failure n; no entry means no further retry. */
  retryDelays: z
    .array(durationString(TEST_MIN_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS))
    .max(MAX_RETRIES_PER_CASE)
    .default(['30m', '24h']),
  /** Failure number at which the case is handed to a human, whatever the planner proposed. */
  escalateAfterFailures: z.number().int().min(1).max(MAX_ESCALATE_AFTER_FAILURES).default(3),
  /** Customer notices per case, all templates together (recovery notices not counted). */
  maxNoticesPerCase: z.number().int().min(0).max(MAX_NOTICES_PER_CASE).default(3),
  /** Escalate at the first failure when the amount (major units) reaches this, per currency. */
  highAmountThreshold: z
    .record(
      z.string().regex(/^[a-z]{3}$/, 'currency codes are three lower-case letters'),
      z.number().positive(),
    )
    .default({ usd: 5000, eur: 5000, gbp: 4000, jpy: 750000 }),
  /** Escalate at the first failure when the decline code is not one we know. */
  escalateOnUnknownDecline: z.boolean().default(true),
  /** Escalate when the customer must authenticate (default: just send the authentication notice). */
  escalateOnAuthenticationRequired: z.boolean().default(false),
  /** A processor outage: this many cases failing with processing errors inside `window`. */
  storm: z
    .strictObject({
      threshold: z.number().int().min(2).default(20),
      window: durationString(1000, 86_400_000).default('1m'),
      /** Retries of storm cases are deferred by this much after the storm was last seen. */
      holdFor: durationString(1000, MAX_RETRY_DELAY_MS).default('15m'),
    })
    .default({ threshold: 20, window: '1m', holdFor: '15m' }),
});

export type Policy = z.infer<typeof PolicySchema>;

/** The policy with every default. */
export const DEFAULT_POLICY: Policy = PolicySchema.parse({});

/**
 * Loads and validates a JSON policy file, or returns the default policy without a path.
 * Throws a {@link ConfigError} naming each bad key (`policy retryDelays[1]: …`).
 *
 * @example
 * const policy = loadPolicy(config.policyFile);
 */
export function loadPolicy(path?: string): Policy {
  if (!path) return DEFAULT_POLICY;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`--policy / POLICY_FILE ${path}: ${(error as Error).message}`]);
  }
  return parsePolicy(raw, path);
}

/** Validates an already-parsed policy object (see {@link loadPolicy}). */
export function parsePolicy(raw: unknown, label = 'policy'): Policy {
  const parsed = PolicySchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const key = issue.path
        .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`))
        .join('');
      const unknown = issue.code === 'unrecognized_keys' ? ` ${issue.keys.join(', ')}` : '';
      return `policy ${key || '(root)'}${unknown}: ${issue.message} (${label})`;
    }),
  );
}

/** A short, stable hash of the policy's content, recorded on every decision. */
export function policyHash(policy: Policy): string {
  let hash = HASHES.get(policy);
  if (!hash) {
    hash = createHash('sha256').update(canonicalJson(policy)).digest('hex').slice(0, 16);
    HASHES.set(policy, hash);
  }
  return hash;
}

const HASHES = new WeakMap<Policy, string>();

/** Retry delays in milliseconds. */
export function retryDelaysMs(policy: Policy): number[] {
  return policy.retryDelays.map((d) => parseDuration(d)!);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
