/**
 * Values operators give on the command line that need more than a type: a number of seconds
 * (`30` or `30s`) and a text file that must exist, be a regular file and not be empty. Each
 * failure is a {@link UsageError} naming the flag, so the command exits 2 with a clear message.
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../errors.ts';

/**
 * Parses `--flag SECONDS`: a number of seconds, with or without a trailing `s`, above 0 and at most `max`.
 *
 * @example
 * parseSeconds('--timeout', '2s', 60); // 2
 */
export function parseSeconds(flag: string, text: string, max: number): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*s?\s*$/.exec(text);
  const seconds = match ? Number(match[1]) : Number.NaN;
  if (!(seconds > 0 && seconds <= max)) {
    throw new UsageError(`${flag} must be a number of seconds above 0 and at most ${max} (like 5 or 5s)`);
  }
  return seconds;
}

/**
 * Reads the text file given to `flag`, refusing a missing path, a folder or device, and an empty file.
 *
 * @example
 * const text = readTextFile('--prompt', 'prompts/policy.md');
 */
export function readTextFile(flag: string, path: string): string {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new UsageError(`${flag} ${path}: no such file`);
  }
  if (!isFile) throw new UsageError(`${flag} ${path}: not a readable file`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag} ${path}: not a readable file (${(error as NodeJS.ErrnoException).code})`);
  }
  if (text.trim() === '') throw new UsageError(`${flag} ${path}: the file is empty`);
  return text;
}
