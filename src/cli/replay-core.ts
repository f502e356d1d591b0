/**
 * The heart of `replay`: re-decide each recorded context with a decider (planner, prompt and
 * guardrails, acting on nothing), reduce the old and new final actions to what matters (tool,
 * template, delay after the guardrails, whether to escalate) and count what changed.
 */
import { parseDuration } from '../duration.ts';
import { UsageError } from '../errors.ts';
import type { RecordedDecision } from '../store/audit-read.ts';
import { type ActionKey, actionKey, describeKey, keysSignature } from './describe-action.ts';

/** What re-deciding one context produced. */
export type Redecision = {
  actions: unknown[];
  planner: string;
  rationale?: string | undefined;
  fallbackReason?: string | undefined;
};

/** A recorded decision that no planner made (for example the one taken by code when a case closed). */
export type NotReplayable = { skipped: string };

/** Re-decides one recorded context; never acts, never writes. */
export type Decider = (context: unknown) => Promise<Redecision | NotReplayable>;

export type ReplayItem = {
  decisionId: number;
  caseId: string;
  at: string;
  trigger: string;
  recorded: { planner: string; model: string | null; promptHash: string | null; actions: ActionKey[] };
  replayed: {
    planner: string | null;
    actions: ActionKey[];
    rationale: string | null;
    fallbackReason: string | null;
    error: string | null;
  };
  same: boolean;
  /** Why this decision was not re-decided (made by code, not by a planner); `null` when it was. */
  skipped: string | null;
};

export type ReplaySummary = {
  total: number;
  same: number;
  different: number;
  errors: number;
  /**
   * Decisions the chosen model planner did not make: it failed or proposed nothing valid and the
   * rules planner decided instead. Counted apart from same and different, and fail `--fail-on-diff`.
   */
  fellBack: number;
  /** Decisions made by code rather than a planner, which are not re-decided. */
  skipped: number;
  /** Per action (tool and template), how many decisions had it then and now. */
  byAction: Array<{ action: string; recorded: number; replayed: number }>;
};

/** Final actions reduced for comparison; `no_action` is the absence of actions. */
export function comparableKeys(actions: unknown[]): ActionKey[] {
  return actions.map(actionKey).filter((k) => k.tool !== 'no_action');
}

function parseArray(json: string): unknown[] {
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}

/** Re-decides one recorded decision. A decider that throws is recorded as an error, not a crash. */
export async function replayOne(row: RecordedDecision, decide: Decider): Promise<ReplayItem> {
  const recorded = comparableKeys(parseArray(row.actions_json));
  const base = {
    decisionId: row.id,
    caseId: row.case_id,
    at: new Date(row.created_at).toISOString(),
    trigger: row.trigger,
    recorded: {
      planner: row.planner,
      model: row.gen_ai_request_model,
      promptHash: row.prompt_hash,
      actions: recorded,
    },
  };
  try {
    const result = await decide(JSON.parse(row.context_json));
    if ('skipped' in result) {
      const none = { planner: null, actions: [], rationale: null, fallbackReason: null, error: null };
      return { ...base, replayed: none, same: true, skipped: result.skipped };
    }
    const replayed = comparableKeys(result.actions);
    return {
      ...base,
      replayed: {
        planner: result.planner,
        actions: replayed,
        rationale: result.rationale ?? null,
        fallbackReason: result.fallbackReason ?? null,
        error: null,
      },
      same: keysSignature(recorded) === keysSignature(replayed),
      skipped: null,
    };
  } catch (error) {
    return {
      ...base,
      replayed: {
        planner: null,
        actions: [],
        rationale: null,
        fallbackReason: null,
        error: (error as Error).message,
      },
      same: false,
      skipped: null,
    };
  }
}

/** Counts same, different and failed re-decisions, and each action then and now. */
export function summarize(items: ReplayItem[]): ReplaySummary {
  const counts = new Map<string, { recorded: number; replayed: number }>();
  const bump = (keys: ActionKey[], side: 'recorded' | 'replayed') => {
    const names = new Set(
      keys.map((k) => describeKey({ tool: k.tool, ...(k.template ? { template: k.template } : {}) })),
    );
    if (names.size === 0) names.add('no action');
    for (const name of names) {
      const entry = counts.get(name) ?? { recorded: 0, replayed: 0 };
      entry[side] += 1;
      counts.set(name, entry);
    }
  };
  const replayed = items.filter((i) => i.skipped === null);
  for (const item of replayed) {
    bump(item.recorded.actions, 'recorded');
    if (!item.replayed.error) bump(item.replayed.actions, 'replayed');
  }
  const errors = replayed.filter((i) => i.replayed.error !== null).length;
  const fellBack = replayed.filter((i) => i.replayed.error === null && i.replayed.fallbackReason !== null);
  const same = replayed.filter((i) => i.same && i.replayed.fallbackReason === null).length;
  return {
    total: items.length,
    same,
    different: replayed.length - same - errors - fellBack.length,
    errors,
    fellBack: fellBack.length,
    skipped: items.length - replayed.length,
    byAction: [...counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([action, c]) => ({ action, ...c })),
  };
}

/** `--since`: an ISO time, or a duration back from now (`2d`, `12h`). */
export function parseSince(text: string, now: number): number {
  if (text.startsWith('-'))
    throw new UsageError(
      `--since ${text}: give a duration back from now without a sign (2d), or an ISO time`,
    );
  const ago = parseDuration(text);
  if (ago !== undefined) return now - ago;
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at))
    throw new UsageError(`--since ${text}: give an ISO time (2026-03-01T00:00Z) or a duration (2d)`);
  return at;
}
