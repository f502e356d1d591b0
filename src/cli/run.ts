/** `billing-agent run`: the daemon, until SIGTERM or SIGINT. */
import { systemClock } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { startDaemon } from '../daemon.ts';
import { makeLogger } from '../log.ts';
import { type Command, parseFlags } from './io.ts';

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  db: { type: 'string' },
  policy: { type: 'string' },
  planner: { type: 'string' },
  outbox: { type: 'string' },
  'kite-socket': { type: 'string' },
  shadow: { type: 'boolean' },
} as const;

export const command: Command = {
  summary: 'run the daemon: ingress, agent and scheduler',
  usage:
    'billing-agent run [--host H] [--port N] [--db PATH] [--policy FILE] [--planner rules|claude]\n' +
    '                  [--outbox DIR] [--kite-socket PATH] [--shadow]',
  async main(args, io) {
    const { values } = parseFlags(args, OPTIONS);
    const config = loadConfig(values, io.env);
    const log = makeLogger({ level: config.logLevel });
    const daemon = await startDaemon(config, log, systemClock);

    await new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        log.info({ signal }, 'signal received');
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    await daemon.stop();
    return 0;
  },
};
