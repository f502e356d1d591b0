/**
 * The outputs of `replay`: the text a person reads (per decision then and now, then the
 * summary and a table by action) and the stable `--json` document (`version: 1`).
 */
import type { ActionKey } from './describe-action.ts';
import { describeKey } from './describe-action.ts';
import type { ReplayItem, ReplaySummary } from './replay-core.ts';
import { renderTable } from './table.ts';

/** Who re-decided: planner, model and prompt hash (the policy is the one recorded in each context). */
export type ReplaySetup = {
  planner: string;
  model: string | null;
  promptHash: string | null;
};

export type ReplayDocument = {
  version: 1;
  setup: ReplaySetup;
  decisions: ReplayItem[];
  summary: ReplaySummary;
};

const phrase = (keys: ActionKey[]) => keys.map(describeKey).join(' + ') || 'no action';

/** The text form. */
export function renderReplay(setup: ReplaySetup, items: ReplayItem[], summary: ReplaySummary): string {
  const who = [
    `the ${setup.planner} planner`,
    setup.model && `model ${setup.model}`,
    setup.promptHash && `prompt ${setup.promptHash.slice(0, 12)}`,
  ].filter(Boolean);
  const out = [
    `Re-deciding ${items.length} recorded decision${items.length === 1 ? '' : 's'} with ${who.join(', ')}:`,
    '',
  ];
  for (const item of items) {
    out.push(`  #${item.decisionId}  ${item.caseId}  ${item.at}  ${item.trigger}`);
    if (item.skipped) {
      out.push(`      not re-decided: ${item.skipped}`);
      continue;
    }
    out.push(`      then (${item.recorded.planner}): ${phrase(item.recorded.actions)}`);
    if (item.replayed.error) {
      out.push(`      now: could not decide: ${item.replayed.error}`);
    } else {
      const fallback = item.replayed.fallbackReason;
      const by = fallback ? `rules, fallback: ${fallback}` : item.replayed.planner;
      const verdict = fallback
        ? `${phrase(item.replayed.actions)}   <- not decided by the ${setup.planner} planner`
        : item.same
          ? 'same'
          : `${phrase(item.replayed.actions)}   <- different`;
      out.push(`      now  (${by}): ${verdict}`);
    }
  }
  out.push(
    '',
    `Summary: ${summary.total} decisions, ${summary.same} same, ${summary.different} different, ${summary.errors} could not be re-decided${summary.fellBack ? `, ${summary.fellBack} fell back to the rules planner` : ''}${summary.skipped ? `, ${summary.skipped} made by code and not re-decided` : ''}`,
  );
  if (summary.byAction.length) {
    out.push('');
    const rows = summary.byAction.map((a) => [a.action, String(a.recorded), String(a.replayed)]);
    out.push(renderTable(['action', 'then', 'now'], rows).trimEnd());
  }
  return `${out.join('\n')}\n`;
}
