/**
 * The policy prompt: `prompts/policy.md` by default, another file for replay (`--prompt FILE`).
 * Its content hash is the prompt version stored on every decision.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Prompt = { text: string; hash: string };

/** The default prompt file, resolved from this module so any working directory works. */
export const DEFAULT_PROMPT_PATH = fileURLToPath(new URL('../../prompts/policy.md', import.meta.url));

/**
 * Loads a prompt file and hashes its content.
 *
 * @example
 * const { text, hash } = loadPrompt(); // hash: 'a1b2c3d4e5f60718'
 */
export function loadPrompt(path: string = DEFAULT_PROMPT_PATH): Prompt {
  const text = readFileSync(path, 'utf8');
  return { text, hash: promptHash(text) };
}

/** The version of a prompt text: the first 16 hex digits of its SHA-256. */
export function promptHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
