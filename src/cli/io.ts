/** What a command may touch of its process: streams and environment, injected for tests. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.ts';

export type Io = {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
};

/** One sub-command of `billing-agent`. */
export type Command = {
  summary: string;
  usage: string;
  /** Returns the exit code: 0 success, 1 failure, 2 bad arguments. */
  main(args: string[], io: Io): Promise<number>;
};

export const processIo: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
};

/** `util.parseArgs` in strict mode, turning its errors into a {@link UsageError}. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
