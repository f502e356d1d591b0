/** `billing-agent run`: not built yet. */
import type { Command } from './io.ts';

export const command: Command = {
  summary: 'run (not built yet)',
  usage: 'billing-agent run',
  async main(_args, io) {
    io.stderr.write('billing-agent run: not built yet\n');
    return 1;
  },
};
