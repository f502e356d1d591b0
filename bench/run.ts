/**
 * `npm run bench`: runs each benchmark module in {@link MODULES} in turn, prints its rows as a
 * table, and writes them to `bench/results/<name>.json`. To add a benchmark, write a module that
 * exports `async function run(): Promise<BenchResult>` and add it to the list.
 * `npm run bench -- ingress` runs only the named ones.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchModule, BenchResult } from './result.ts';

/** Every benchmark, by name. */
const MODULES: Record<string, () => Promise<BenchModule>> = {
  ingress: () => import('./ingress.ts'),
  decisions: () => import('./decisions.ts'),
  model: () => import('./model.ts'),
  scheduler: () => import('./scheduler.ts'),
  memory: () => import('./memory.ts'),
  storm: () => import('./storm.ts'),
};

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** Formats a result as an aligned text table. */
export function renderTable(result: BenchResult): string {
  const header = ['measure', 'value', 'unit', 'target', 'comparison'];
  const body = result.rows.map((r) => [
    r.name,
    formatValue(r.value),
    r.unit,
    r.target ?? '',
    r.comparison ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const out = [
    `== ${result.name}`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ];
  for (const note of result.notes ?? []) out.push(`  note: ${note}`);
  return `${out.join('\n')}\n`;
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

async function main(names: string[]): Promise<number> {
  const chosen = names.length > 0 ? names : Object.keys(MODULES);
  const unknown = chosen.filter((n) => !(n in MODULES));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(MODULES).join(', ')}\n`,
    );
    return 2;
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const name of chosen) {
    const module = await MODULES[name]!();
    const result = await module.run();
    process.stdout.write(renderTable(result));
    const file = join(RESULTS_DIR, `${result.name}.json`);
    writeFileSync(file, `${JSON.stringify({ ...result, at: new Date().toISOString() }, null, 2)}\n`);
    process.stdout.write(`  written: ${file}\n\n`);
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
