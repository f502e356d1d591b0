/**
 * The decision log: one row per decision, appended and never updated. Columns follow the
 * OpenTelemetry GenAI conventions where one exists. {@link readDecision} and
 * {@link listDecisions} return rows with their JSON parsed, for audit and replay.
 */
import type { Db } from './db.ts';
import { stmt } from './statements.ts';

export type NewDecision = {
  caseId: string;
  inboxId: number | null;
  trigger: string;
  createdAt: number;
  planner: string;
  fallbackReason: string | null;
  providerName: string | null;
  requestModel: string | null;
  responseModel: string | null;
  responseId: string | null;
  finishReasons: string[] | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadInputTokens: number | null;
  cacheCreationInputTokens: number | null;
  latencyMs: number | null;
  promptHash: string | null;
  policyHash: string | null;
  context: unknown;
  request: unknown;
  response: unknown;
  proposals: unknown;
  actions: unknown;
  rationale: string | null;
};

export type DecisionRow = {
  id: number;
  case_id: string;
  inbox_id: number | null;
  trigger: string;
  created_at: number;
  planner: string;
  fallback_reason: string | null;
  gen_ai_provider_name: string | null;
  gen_ai_request_model: string | null;
  gen_ai_response_model: string | null;
  gen_ai_response_id: string | null;
  gen_ai_response_finish_reasons: string | null;
  gen_ai_usage_input_tokens: number | null;
  gen_ai_usage_output_tokens: number | null;
  gen_ai_usage_cache_read_input_tokens: number | null;
  gen_ai_usage_cache_creation_input_tokens: number | null;
  latency_ms: number | null;
  prompt_hash: string | null;
  policy_hash: string | null;
  context_json: string;
  request_json: string | null;
  response_json: string | null;
  proposals_json: string;
  actions_json: string;
  rationale: string | null;
};

/** A decision row with its JSON columns parsed. */
export type DecisionRecord = DecisionRow & {
  context: unknown;
  request: unknown;
  response: unknown;
  proposals: Array<{
    tool: string;
    input: unknown;
    verdict: string;
    rule: string;
    reason: string;
    amended?: unknown;
  }>;
  actions: Array<{ tool: string; input: Record<string, unknown>; source: string; rule?: string }>;
  finishReasons: string[];
};

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/** Appends a decision; returns its id. */
export function insertDecision(db: Db, d: NewDecision): number {
  const result = stmt(
    db,
    `INSERT INTO decisions (case_id, inbox_id, trigger, created_at, planner, fallback_reason, gen_ai_provider_name,
         gen_ai_request_model, gen_ai_response_model, gen_ai_response_id, gen_ai_response_finish_reasons,
         gen_ai_usage_input_tokens, gen_ai_usage_output_tokens, gen_ai_usage_cache_read_input_tokens,
         gen_ai_usage_cache_creation_input_tokens, latency_ms, prompt_hash, policy_hash, context_json, request_json,
         response_json, proposals_json, actions_json, rationale)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    d.caseId,
    d.inboxId,
    d.trigger,
    d.createdAt,
    d.planner,
    d.fallbackReason,
    d.providerName,
    d.requestModel,
    d.responseModel,
    d.responseId,
    json(d.finishReasons),
    d.inputTokens,
    d.outputTokens,
    d.cacheReadInputTokens,
    d.cacheCreationInputTokens,
    d.latencyMs,
    d.promptHash,
    d.policyHash,
    JSON.stringify(d.context),
    json(d.request),
    json(d.response),
    JSON.stringify(d.proposals),
    JSON.stringify(d.actions),
    d.rationale,
  );
  return Number(result.lastInsertRowid);
}

/** One decision, parsed. */
export function readDecision(db: Db, id: number): DecisionRecord | undefined {
  const row = stmt(db, 'SELECT * FROM decisions WHERE id = ?').get(id) as DecisionRow | undefined;
  return row ? parse(row) : undefined;
}

/** Every decision of a case, oldest first, parsed. */
export function listDecisions(db: Db, caseId: string): DecisionRecord[] {
  return (stmt(db, 'SELECT * FROM decisions WHERE case_id = ? ORDER BY id').all(caseId) as DecisionRow[]).map(
    parse,
  );
}

/** Decisions recorded since a time (replay), oldest first, parsed. */
export function listDecisionsSince(db: Db, since: number, limit = 10_000): DecisionRecord[] {
  return (
    stmt(db, 'SELECT * FROM decisions WHERE created_at >= ? ORDER BY id LIMIT ?').all(
      since,
      limit,
    ) as DecisionRow[]
  ).map(parse);
}

function parse(row: DecisionRow): DecisionRecord {
  const p = (text: string | null) => (text === null ? null : JSON.parse(text));
  return {
    ...row,
    context: p(row.context_json),
    request: p(row.request_json),
    response: p(row.response_json),
    proposals: p(row.proposals_json) ?? [],
    actions: p(row.actions_json) ?? [],
    finishReasons: p(row.gen_ai_response_finish_reasons) ?? [],
  };
}
