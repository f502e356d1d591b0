/**
 * A progress bar for long commands, drawn on stderr only when stderr is a terminal, so that
 * piped or captured output (CI, `--json > file`) never contains control characters.
 */
import cliProgress from 'cli-progress';

export type Progress = { tick(): void; stop(): void };

const NONE: Progress = { tick() {}, stop() {} };

/**
 * Starts a bar of `total` steps on `stream` when it is a TTY; otherwise returns a no-op.
 *
 * @example
 * const bar = startProgress(process.stderr, rows.length, 'replay');
 */
export function startProgress(stream: NodeJS.WritableStream, total: number, label: string): Progress {
  if (!(stream as { isTTY?: boolean }).isTTY || total < 2) return NONE;
  const bar = new cliProgress.SingleBar(
    { stream, format: `${label} [{bar}] {value}/{total}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick: () => bar.increment(),
    stop: () => bar.stop(),
  };
}
