/** `billing-agent ingest` as a user runs it: each bad line is reported once, in the summary. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

describe('billing-agent ingest', () => {
  it('reports each invalid line once, in the summary on stdout, and logs nothing about it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ba-ingest-'));
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, '{"hello":1}\n');
    const r = await runCli(['ingest', file, '--db', join(dir, 'billing-agent.db')], {
      env: { LOG_LEVEL: '' },
    });
    expect(r.code).toBe(1);
    expect(r.stdout.match(/line 1: invalid, not stored/g)).toHaveLength(1);
    expect(r.stderr).toBe('');
  });
});
