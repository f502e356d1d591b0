/**
 * The README's settings table, generated from `SETTINGS` and the schema's defaults in
 * `src/config.ts`, so that the documentation cannot drift from the code: a test compares the
 * README with this output.
 */
import { type Config, loadConfig, SETTINGS, type SettingName, type SettingSource } from '../config.ts';

function formatDefault(value: Config[SettingName]): string {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return '—';
  return `\`${String(value)}\``;
}

/** Every setting as a Markdown table: flag, environment variable, default, meaning. */
export function settingsTable(): string {
  const defaults = loadConfig({}, {});
  const rows = (Object.entries(SETTINGS) as [SettingName, SettingSource][]).map(([name, s]) => {
    const flag = s.flag ? `\`--${s.flag}\`` : '—';
    const env = s.env ? `\`${s.env}\`` : '—';
    const description = s.description.replace(/\|/g, '\\|');
    return `| ${flag} | ${env} | ${formatDefault(defaults[name])} | ${description} |`;
  });
  return ['| flag | environment | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
