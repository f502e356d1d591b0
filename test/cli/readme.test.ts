import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuditDocumentSchema } from '../../src/cli/audit-document.ts';
import { settingsTable } from '../../src/cli/settings-table.ts';
import { SETTINGS } from '../../src/config.ts';
import { REPO_ROOT } from './run-cli.ts';

const README = join(REPO_ROOT, 'README.md');
const START = /<!-- settings-table:start[^>]*-->\n/;
const END = '<!-- settings-table:end -->';

function tableInReadme(text: string): { before: string; table: string; after: string } {
  const start = START.exec(text);
  const end = text.indexOf(END);
  if (!start || end < 0) throw new Error('README.md has no settings-table markers');
  const from = start.index + start[0].length;
  return { before: text.slice(0, from), table: text.slice(from, end).trim(), after: text.slice(end) };
}

/** Every property name in a zod object schema, recursively through arrays and nullables. */
function keysOf(schema: z.ZodType): string[] {
  const def = (schema as unknown as { def: { type: string; innerType?: z.ZodType; element?: z.ZodType } })
    .def;
  if (def.type === 'nullable' || def.type === 'optional') return keysOf(def.innerType!);
  if (def.type === 'array') return keysOf(def.element!);
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape).flatMap(([key, value]) => [key, ...keysOf(value as z.ZodType)]);
  }
  return [];
}

describe('README', () => {
  const text = readFileSync(README, 'utf8');

  it('keeps the two set-up commands', () => {
    expect(text).toContain('npm ci && npm start');
    expect(text).toContain('npm test ');
  });

  it('lists every setting exactly as src/config.ts defines it', () => {
    const { before, table, after } = tableInReadme(text);
    if (process.env.UPDATE_README === '1') {
      writeFileSync(README, `${before}${settingsTable()}\n${after}`);
      return;
    }
    expect(table, 'regenerate with UPDATE_README=1 npx vitest run test/cli/readme.test.ts').toBe(
      settingsTable(),
    );
    for (const setting of Object.values(SETTINGS)) {
      if ('env' in setting) expect(table).toContain(`\`${setting.env}\``);
      if ('flag' in setting) expect(table).toContain(`\`--${setting.flag}\``);
    }
  });

  it('documents every field of the audit json document', () => {
    const section = text.slice(text.indexOf("### The decision log's JSON shape"), text.indexOf('## Replay'));
    for (const key of new Set(keysOf(AuditDocumentSchema))) {
      expect(section, key).toContain(`"${key}"`);
    }
  });

  it('has the sections a newcomer needs', () => {
    for (const heading of [
      '## Set up',
      '## Connecting it to Stripe',
      '## Settings',
      '## Policy and guardrails',
      '## Audit',
      '## Replay',
      '## Running it as a service',
      '## Shadow mode',
      '## Performance and reliability',
      '## Limitations',
    ]) {
      expect(text).toContain(heading);
    }
    expect(text).toContain('--client-id billing-agent');
    expect(text).toContain('kite endpoints create --source stripe --signing-secret');
  });

  it('names only prompt files that exist or that an example copies first', () => {
    const copied = new Set([...text.matchAll(/cp \S+ (prompts\/[\w.-]+)/g)].map((m) => m[1]));
    for (const [path] of text.matchAll(/prompts\/[\w-]+\.md/g)) {
      expect(existsSync(join(REPO_ROOT, path)) || copied.has(path), path).toBe(true);
    }
  });

  it('starts the service with node, not npm, in the text and in the unit', () => {
    const service = text.slice(text.indexOf('## Running it as a service'));
    expect(service).toContain('node bin/billing-agent.js run');
    expect(service).toContain('set -a; . /etc/billing-agent/env; set +a');
    expect(service).not.toMatch(/^\s*billing-agent doctor/m);
    const unit = readFileSync(join(REPO_ROOT, 'deploy/billing-agent.service'), 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \S*bin\/billing-agent\.js run$/m);
  });
});
