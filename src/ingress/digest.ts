/** A stable short identity for bytes that carry no id of their own. */
import { createHash } from 'node:crypto';

/** `sha256:<hex>` of the bytes. */
export function digestOf(raw: Buffer | string): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}
