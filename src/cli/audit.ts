/**
 * `billing-agent audit <id> [--json] [--db PATH]`: what the agent did about a payment and why.
 * The id may be a case, PaymentIntent, invoice, charge, customer or event id. The database is
 * opened read-only; the text form is for people, `--json` is the stable document described
 * in `audit-document.ts` and the README.
 */
import { loadConfig } from '../config.ts';
import { UsageError } from '../errors.ts';
import { findCaseIds, findUnlinkedEvents, readCaseRecord } from '../store/audit-read.ts';
import { buildAuditDocument } from './audit-build.ts';
import { renderAudit } from './audit-render.ts';
import { type Command, parseFlags } from './io.ts';
import { DatabaseUnavailableError, openReadonlyDatabase } from './readonly-db.ts';

const USAGE = 'billing-agent audit <id> [--json] [--db PATH]';

/** The `audit` command for the command table in `main.ts`. */
export const command: Command = {
  summary: 'show what was done about a payment, invoice, customer or case, and why',
  usage: USAGE,
  async main(args, io) {
    const { values, positionals } = parseFlags(
      args,
      { json: { type: 'boolean' }, db: { type: 'string' } },
      true,
    );
    if (positionals.length !== 1 || !positionals[0]?.trim()) {
      throw new UsageError(positionals.length ? 'give exactly one id' : 'an id is required');
    }
    const id = positionals[0].trim();
    const config = loadConfig({ db: values.db }, io.env);
    let db: ReturnType<typeof openReadonlyDatabase>;
    try {
      db = openReadonlyDatabase(config.databasePath);
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) throw error;
      io.stderr.write(`billing-agent audit: ${error.message}\n`);
      return 1;
    }
    try {
      const records = findCaseIds(db, id).flatMap((caseId) => readCaseRecord(db, caseId) ?? []);
      const unlinked = findUnlinkedEvents(db, id);
      if (records.length === 0 && unlinked.length === 0) {
        io.stderr.write(
          `billing-agent audit: nothing recorded about ${id} in ${config.databasePath} ` +
            '(expected a case, payment intent, invoice, charge, customer or event id)\n',
        );
        return 1;
      }
      const doc = buildAuditDocument(id, records, unlinked, Date.now());
      io.stdout.write(values.json ? `${JSON.stringify(doc, null, 2)}\n` : renderAudit(doc));
      return 0;
    } finally {
      db.close();
    }
  },
};
