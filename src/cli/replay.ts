/**
 * `billing-agent replay [--case ID | --since TIME] [--planner rules|claude] [--prompt FILE]
 * [--model M] [--timeout SECONDS] [--json] [--fail-on-diff] [--db PATH]`: re-decides recorded
 * decision contexts with the chosen planner and prompt (the model gets `--timeout` per decision,
 * no retries), without acting and without writing (the database is opened read-only), and shows what was decided then and what would be now.
 * `--fail-on-diff` exits 1 on any difference, so a prompt change can be checked in CI.
 */
import { loadConfig } from '../config.ts';
import { UsageError } from '../errors.ts';
import { findCaseIds, listRecordedDecisions } from '../store/audit-read.ts';
import type { Db } from '../store/db.ts';
import { parseSeconds } from './flag-values.ts';
import { type Command, parseFlags } from './io.ts';
import { startProgress } from './progress.ts';
import { parseSince, type ReplayItem, replayOne, summarize } from './replay-core.ts';
import { makeReplayDecider } from './replay-decider.ts';
import { type ReplayDocument, renderReplay } from './replay-render.ts';
import { DatabaseUnavailableError, openReadonlyDatabase } from './readonly-db.ts';

const USAGE =
  'billing-agent replay [--case ID | --since TIME] [--planner rules|claude] [--prompt FILE] [--model M] ' +
  '[--timeout SECONDS] [--json] [--fail-on-diff] [--db PATH]';

function select(db: Db, caseId: string | undefined, sinceMs: number | undefined) {
  if (caseId === undefined) return listRecordedDecisions(db, { sinceMs });
  const caseIds = findCaseIds(db, caseId);
  return caseIds.length ? listRecordedDecisions(db, { caseIds, sinceMs }) : undefined;
}

/** The `replay` command for the command table in `main.ts`. */
export const command: Command = {
  summary: 're-decide recorded decisions with another planner, prompt or model, without acting',
  usage: USAGE,
  async main(args, io) {
    const signed = args.findIndex((a, i) => a === '--since' && /^-\d/.test(args[i + 1] ?? ''));
    if (signed >= 0) {
      throw new UsageError(
        `--since ${args[signed + 1]}: give a duration back from now without a sign (2d), or an ISO time`,
      );
    }
    const { values } = parseFlags(args, {
      case: { type: 'string' },
      since: { type: 'string' },
      planner: { type: 'string' },
      prompt: { type: 'string' },
      model: { type: 'string' },
      json: { type: 'boolean' },
      'fail-on-diff': { type: 'boolean' },
      db: { type: 'string' },
      timeout: { type: 'string' },
    });
    if (values.case !== undefined && values.since !== undefined) {
      throw new UsageError('give --case or --since, not both');
    }
    if (values.planner !== undefined && values.planner !== 'rules' && values.planner !== 'claude') {
      throw new UsageError(`--planner must be rules or claude, not ${values.planner}`);
    }
    const timeoutMs =
      values.timeout === undefined ? undefined : parseSeconds('--timeout', values.timeout, 600) * 1000;
    const sinceMs = values.since === undefined ? undefined : parseSince(values.since, Date.now());
    const config = loadConfig(
      { db: values.db, planner: values.planner },
      values.model ? { ...io.env, ANTHROPIC_MODEL: values.model } : io.env,
    );
    const { decide, setup } = await makeReplayDecider(config, { promptFile: values.prompt, timeoutMs });

    let db: Db;
    try {
      db = openReadonlyDatabase(config.databasePath);
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) throw error;
      io.stderr.write(`billing-agent replay: ${error.message}\n`);
      return 1;
    }
    let items: ReplayItem[];
    try {
      const rows = select(db, values.case, sinceMs);
      if (!rows) {
        io.stderr.write(`billing-agent replay: no case found for ${values.case} in ${config.databasePath}\n`);
        return 1;
      }
      const progress = startProgress(io.stderr, rows.length, 'replay');
      items = [];
      for (const row of rows) {
        items.push(await replayOne(row, decide));
        progress.tick();
      }
      progress.stop();
    } finally {
      db.close();
    }
    const summary = summarize(items);
    if (values.json) {
      const doc: ReplayDocument = { version: 1, setup, decisions: items, summary };
      io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      io.stdout.write(renderReplay(setup, items, summary));
    }
    return values['fail-on-diff'] && summary.different + summary.errors + summary.fellBack > 0 ? 1 : 0;
  },
};
