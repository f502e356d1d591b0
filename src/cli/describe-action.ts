/**
 * Reads the actions and proposals recorded in a decision row as a person would say them
 * (`retry_payment in 30m`, `notify_customer first_failure`) and reduces an action to what
 * `replay` compares: the tool and its key arguments. Recorded JSON is read leniently, since
 * rows written by older versions must still be readable.
 */
import { formatDuration } from '../duration.ts';

type Loose = Record<string, unknown>;

const obj = (v: unknown): Loose => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** What `replay` compares of one action: the tool, the notice template, the retry delay. */
export type ActionKey = {
  tool: string;
  template?: string;
  delaySeconds?: number;
};

/** The tool call inside a recorded action or proposal, whatever wrapper it came in. */
function callOf(value: unknown): { tool: string; input: Loose; extra: Loose } {
  const o = obj(value);
  const inner = obj(o['call'] ?? o['action'] ?? o['proposal']);
  const tool = str(o['tool']) ?? str(o['name']) ?? str(inner['tool']) ?? str(inner['name']) ?? 'unknown';
  const input = obj(o['input'] ?? o['args'] ?? inner['input'] ?? inner['args']);
  return { tool, input, extra: o };
}

/** The seconds of delay an action carries, in any of the spellings recorded. */
function delayOf(input: Loose, extra: Loose): number | undefined {
  const seconds = num(input['delay_seconds']) ?? num(input['delaySeconds']) ?? num(extra['delaySeconds']);
  if (seconds !== undefined) return seconds;
  const ms = num(input['delayMs']) ?? num(extra['delayMs']);
  return ms === undefined ? undefined : Math.round(ms / 1000);
}

/** Reduces a recorded action to its tool and key arguments. */
export function actionKey(value: unknown): ActionKey {
  const { tool, input, extra } = callOf(value);
  const key: ActionKey = { tool };
  const template = str(input['template']) ?? str(extra['template']);
  if (template) key.template = template;
  const delay = delayOf(input, extra);
  if (delay !== undefined && tool === 'retry_payment') key.delaySeconds = delay;
  return key;
}

/** One action as a short phrase: `retry_payment in 30m`, `notify_customer first_failure`. */
export function describeAction(value: unknown): string {
  return describeKey(actionKey(value));
}

/** An {@link ActionKey} as a short phrase. */
export function describeKey(key: ActionKey): string {
  const parts = [key.tool];
  if (key.template) parts.push(key.template);
  if (key.delaySeconds !== undefined) parts.push(`in ${formatDuration(key.delaySeconds * 1000)}`);
  return parts.join(' ');
}

/** One proposal with its verdict and rule: `retry_payment in 400d → clamp [max_delay]: …`. */
export function describeProposal(value: unknown): string {
  const o = obj(value);
  const verdictBox = obj(o['verdict']);
  const verdict = str(o['verdict']) ?? str(verdictBox['verdict']) ?? str(o['outcome']) ?? str(o['result']);
  const rule = str(o['rule']) ?? str(verdictBox['rule']);
  const reason = str(o['reason']) ?? str(verdictBox['reason']);
  let text = describeAction(value);
  if (verdict) text += ` → ${verdict}`;
  if (o['amended'] && typeof o['amended'] === 'object') {
    text += ` (to ${describeAction({ tool: callOf(value).tool, input: o['amended'] })})`;
  }
  if (rule) text += ` [${rule}]`;
  if (reason) text += `: ${reason}`;
  return text;
}

/** Stable text form of a list of action keys, for equality and for counting. */
export function keysSignature(keys: ActionKey[]): string {
  return keys
    .map((k) => describeKey(k))
    .sort()
    .join(' + ');
}
