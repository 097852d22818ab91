import type { SettingsSchema } from './settings-schema.js';

const START =
  '<!-- settings-table: generated from the settings schemas (src/settings/settings-catalogue.ts) by `npm run manifests:write` -->';
const END = '<!-- settings-table: end -->';

const contractsOf = (contracts: readonly string[]): string => (contracts.length === 2 ? 'both' : contracts.join(', '));

/** The README's configuration table: one row per variable, in the schemas' order. */
export function settingsTable(schemas: readonly SettingsSchema[]): string {
  const rows = schemas.flatMap((schema) =>
    Object.entries(schema.variables).map(
      ([name, declared]) =>
        `| \`${name}\` | ${declared.default} | ${declared.meaning} | ${contractsOf(declared.contracts)} | ${schema.owner} |`,
    ),
  );
  return ['| variable | default | meaning | contract | read by |', '| --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

/** The README with the table between its markers replaced by the one the schemas give. */
export function readmeWithSettingsTable(readme: string, schemas: readonly SettingsSchema[]): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no settings table markers (${START} … ${END})`);
  return `${readme.slice(0, start)}${START}\n${settingsTable(schemas)}\n${readme.slice(end)}`;
}
