/** `billing-agent audit`: not built yet. */
import type { Command } from './io.ts';

export const command: Command = {
  summary: 'audit (not built yet)',
  usage: 'billing-agent audit',
  async main(_args, io) {
    io.stderr.write('billing-agent audit: not built yet\n');
    return 1;
  },
};
