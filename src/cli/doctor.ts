/**
 * `billing-agent doctor [--timeout SECONDS] [--db PATH]`: checks the configuration and every
 * configured service without side effects, and prints a table of what is fine, what is a
 * problem and how to fix it. Exit 0 when nothing is a problem, 1 otherwise.
 */
import { ConfigError, loadConfig, plannerChoice, shadowReason } from '../config.ts';
import { runCheck } from './doctor-check.ts';
import { parseSeconds, readTextFile } from './flag-values.ts';
import { localChecks } from './doctor-local.ts';
import { serviceChecks } from './doctor-services.ts';
import { type Command, parseFlags } from './io.ts';
import { renderTable } from './table.ts';

const USAGE = 'billing-agent doctor [--timeout SECONDS] [--db PATH] [--policy FILE]';

/** `test` or `live`, from the Stripe key's prefix (`sk_test_…`, `rk_live_…`). */
function keyMode(key: string | undefined): string {
  return key?.includes('_live_') ? 'live' : 'test';
}

/** The `doctor` command for the command table in `main.ts`. */
export const command: Command = {
  summary: 'check the configuration and each configured service, without side effects',
  usage: USAGE,
  async main(args, io) {
    const { values } = parseFlags(args, {
      timeout: { type: 'string' },
      db: { type: 'string' },
      policy: { type: 'string' },
    });
    const seconds = values.timeout === undefined ? 5 : parseSeconds('--timeout', values.timeout, 60);
    if (values.policy !== undefined) readTextFile('--policy', values.policy);
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig({ db: values.db, policy: values.policy }, io.env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const rows = error.problems.map((p) => [
        'configuration',
        'problem',
        p,
        'fix the setting and run again',
      ]);
      io.stdout.write(renderTable(['check', 'status', 'found', 'how to fix'], rows));
      return 1;
    }
    const choice = plannerChoice(config);
    const shadow = shadowReason(config);
    io.stdout.write(
      `planner: ${choice.planner} (${choice.reason}); mode: ${shadow ? `shadow (${shadow})` : `live (${keyMode(config.stripeSecretKey)}-mode key)`}\n\n`,
    );
    const checks = [...serviceChecks(config), ...localChecks(config)];
    const results = await Promise.all(checks.map((check) => runCheck(check, seconds * 1000)));
    const rows = [
      ['configuration', 'ok', 'every setting parses', ''],
      ...results.map((r) => [r.check, r.status, r.detail, r.fix]),
    ];
    io.stdout.write(renderTable(['check', 'status', 'found', 'how to fix'], rows));
    const problems = results.filter((r) => r.status === 'problem').length;
    io.stdout.write(
      `\n${problems === 0 ? 'no problems found' : `${problems} problem${problems === 1 ? '' : 's'}`}\n`,
    );
    return problems === 0 ? 0 : 1;
  },
};
