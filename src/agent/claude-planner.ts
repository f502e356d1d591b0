/**
 * The Claude planner: one hand-written Messages API call with tool use, so that nothing runs
 * between "the model proposed" and "the guardrails judged". It acts only on complete tool
 * calls: `stop_reason` must be `tool_use` and every input must parse strictly against its zod
 * schema. Truncated, text-only, unknown-tool and malformed calls are returned as invalid
 * (recorded and rejected). API failures throw a {@link PlannerFailure} naming the cause, which
 * the fallback planner turns into a rules decision. Not streamed: an overload arrives as a
 * 529 status, which the SDK retries before we give up.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Logger } from '../log.ts';
import { parseToolCall, type ToolCall } from '../tools/schemas.ts';
import { buildRequest } from './claude-request.ts';
import type { PlannerContext } from './context-types.ts';
import type { InvalidCall } from './guardrails/types.ts';
import type { ModelCallRecord, Planner, Proposal } from './planner.ts';

export type ClaudePlannerOptions = {
  apiKey: string;
  baseURL?: string | undefined;
  model: string;
  prompt: { text: string; hash: string };
  log: Logger;
  /** Per attempt; the SDK retries timeouts too. */
  timeoutMs?: number;
  maxRetries?: number;
  maxTokens?: number;
};

/** The model could not give a proposal; `label` is a short label (`LLM overloaded`, `LLM timeout`, …). */
export class PlannerFailure extends Error {
  readonly label: string;
  readonly modelCall: ModelCallRecord;
  constructor(cause: string, message: string, modelCall: ModelCallRecord) {
    super(`${cause}: ${message}`);
    this.name = new.target.name;
    this.label = cause;
    this.modelCall = modelCall;
  }
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 2;

/**
 * Makes the Claude planner.
 *
 * @example
 * const planner = makeClaudePlanner({ apiKey, model: 'claude-sonnet-4-6', prompt: loadPrompt(), log });
 */
export function makeClaudePlanner(options: ClaudePlannerOptions): Planner {
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    logger: options.log,
    logLevel: 'warn',
  });
  const maxTokens = options.maxTokens ?? 1024;
  return {
    name: 'claude',
    async propose(context: PlannerContext): Promise<Proposal> {
      const request = buildRequest(context, options.prompt.text, options.model, maxTokens);
      const started = performance.now();
      let response: Anthropic.Message;
      try {
        response = (await client.messages.create(
          request as unknown as Anthropic.MessageCreateParamsNonStreaming,
        )) as Anthropic.Message;
      } catch (error) {
        const latencyMs = Math.round(performance.now() - started);
        const [cause, message] = classifyError(error);
        throw new PlannerFailure(
          cause,
          message,
          record(options.model, request, undefined, latencyMs, message),
        );
      }
      const latencyMs = Math.round(performance.now() - started);
      const modelCall = record(options.model, request, response, latencyMs, null);
      return { planner: 'claude', ...readResponse(response), modelCall };
    },
  };
}

/** Reads the model's answer into valid calls and invalid ones (with the rule that rejects each). */
export function readResponse(response: Anthropic.Message): {
  calls: ToolCall[];
  invalid: InvalidCall[];
  rationale: string;
} {
  const calls: ToolCall[] = [];
  const invalid: InvalidCall[] = [];
  const blocks = response.content.filter((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock[];
  if (blocks.length === 0) {
    const text = response.content
      .map((b) => (b.type === 'text' ? b.text : ''))
      .join(' ')
      .trim();
    invalid.push({
      tool: '(none)',
      input: text.slice(0, 500),
      error: `no tool call (stop_reason ${response.stop_reason})`,
      rule: 'no_tool_call',
    });
  }
  for (const block of blocks) {
    if (response.stop_reason !== 'tool_use') {
      invalid.push({
        tool: block.name,
        input: block.input,
        error: `incomplete call: stop_reason ${response.stop_reason}`,
        rule: 'incomplete_call',
      });
      continue;
    }
    const parsed = parseToolCall(block.name, block.input);
    if (parsed.ok) calls.push(parsed.call);
    else {
      const unknown = parsed.error.startsWith('unknown tool');
      invalid.push({
        tool: block.name,
        input: block.input,
        error: parsed.error,
        rule: unknown ? 'unknown_tool' : 'invalid_input',
      });
    }
  }
  const rationale = calls.map((c) => `${c.tool}: ${c.input.rationale}`).join('; ');
  return { calls, invalid, rationale };
}

function classifyError(error: unknown): [string, string] {
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof Anthropic.APIConnectionTimeoutError) return ['LLM timeout', message];
  if (error instanceof Anthropic.APIConnectionError) return ['LLM unreachable', message];
  if (error instanceof Anthropic.APIError) {
    const type = (error.error as { error?: { type?: string } } | undefined)?.error?.type;
    if (error.status === 529 || type === 'overloaded_error') return ['LLM overloaded', message];
    if (error.status === 429) return ['LLM rate limited', message];
    if (error.status === 401 || error.status === 403) return ['LLM auth failed', message];
    return [`LLM error ${error.status ?? ''}`.trim(), message];
  }
  return ['LLM error', message];
}

function record(
  model: string,
  request: unknown,
  response: Anthropic.Message | undefined,
  latencyMs: number,
  error: string | null,
): ModelCallRecord {
  const usage = response?.usage;
  return {
    providerName: 'anthropic',
    requestModel: model,
    responseModel: response?.model ?? null,
    responseId: response?.id ?? null,
    finishReasons: response?.stop_reason ? [response.stop_reason] : [],
    usage: {
      inputTokens: usage?.input_tokens ?? 0,
      outputTokens: usage?.output_tokens ?? 0,
      cacheReadInputTokens: usage?.cache_read_input_tokens ?? 0,
      cacheCreationInputTokens: usage?.cache_creation_input_tokens ?? 0,
    },
    latencyMs,
    request,
    response: response ?? null,
    error,
  };
}
