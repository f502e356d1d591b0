/** `billing-agent replay`: not built yet. */
import type { Command } from './io.ts';

export const command: Command = {
  summary: 'replay (not built yet)',
  usage: 'billing-agent replay',
  async main(_args, io) {
    io.stderr.write('billing-agent replay: not built yet\n');
    return 1;
  },
};
