/** `billing-agent ingest`: not built yet. */
import type { Command } from './io.ts';

export const command: Command = {
  summary: 'ingest (not built yet)',
  usage: 'billing-agent ingest',
  async main(_args, io) {
    io.stderr.write('billing-agent ingest: not built yet\n');
    return 1;
  },
};
