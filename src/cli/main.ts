/** The `billing-agent` command: picks a sub-command and maps errors to exit codes. */
import { ConfigError } from '../config.ts';
import { UsageError } from '../errors.ts';
import { type Command, type Io, processIo } from './io.ts';

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  run: () => import('./run.ts'),
  ingest: () => import('./ingest.ts'),
  audit: () => import('./audit.ts'),
  replay: () => import('./replay.ts'),
  demo: () => import('./demo.ts'),
  doctor: () => import('./doctor.ts'),
};

/** Runs `billing-agent <command> [args]` and returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(await helpText());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`billing-agent: unknown command '${name}'\n\n${await helpText()}`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.main(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`billing-agent ${name}: ${error.message}\n\nusage: ${command.usage}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`billing-agent ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function helpText(): Promise<string> {
  const lines = ['usage: billing-agent <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const { command } = await load();
    lines.push(`  ${name.padEnd(8)} ${command.summary}`);
  }
  lines.push('', 'Run `billing-agent <command> --help` for its options.');
  return `${lines.join('\n')}\n`;
}
