/**
 * `billing-agent demo [--timeout SECONDS]`: watch the daemon heal three failed payments
 * against local stand-ins, with no keys and no network, then audit and replay the result.
 */
import { runDemo } from '../demo/run-demo.ts';
import { UsageError } from '../errors.ts';
import { type Command, parseFlags } from './io.ts';

/** The `demo` command for the command table in `main.ts`. */
export const command: Command = {
  summary: 'watch the agent heal three failed payments against local stand-ins (no keys, no network)',
  usage: 'billing-agent demo [--timeout SECONDS]',
  async main(args, io) {
    const { values } = parseFlags(args, { timeout: { type: 'string' } });
    const seconds = values.timeout === undefined ? 45 : Number(values.timeout);
    if (!Number.isFinite(seconds) || seconds < 5 || seconds > 600) {
      throw new UsageError('--timeout must be a number of seconds between 5 and 600');
    }
    return runDemo(io, { timeoutMs: seconds * 1000 });
  },
};
