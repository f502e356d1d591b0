/** `billing-agent doctor`: not built yet. */
import type { Command } from './io.ts';

export const command: Command = {
  summary: 'doctor (not built yet)',
  usage: 'billing-agent doctor',
  async main(_args, io) {
    io.stderr.write('billing-agent doctor: not built yet\n');
    return 1;
  },
};
