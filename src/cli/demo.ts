/** `billing-agent demo`: not built yet. */
import type { Command } from './io.ts';

export const command: Command = {
  summary: 'demo (not built yet)',
  usage: 'billing-agent demo',
  async main(_args, io) {
    io.stderr.write('billing-agent demo: not built yet\n');
    return 1;
  },
};
