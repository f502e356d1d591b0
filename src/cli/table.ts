/** Plain-text tables for terminal output: columns padded to the widest cell, no colours. */

/**
 * Renders rows under a header, two spaces between columns; the last column is not padded.
 *
 * @example
 * renderTable(['check', 'status'], [['stripe', 'ok']]);
 */
export function renderTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return `${[line(header), rule, ...rows.map(line)].join('\n')}\n`;
}
