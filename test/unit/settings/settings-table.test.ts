import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsCatalogue } from '../../../src/settings/settings-catalogue.js';
import { readmeWithSettingsTable, settingsTable } from '../../../src/settings/settings-table.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');

describe("the README's configuration table", () => {
  it('is what the settings schemas generate (run `npm run manifests:write`)', () => {
    expect(readme).toBe(readmeWithSettingsTable(readme, settingsCatalogue()));
  });

  it('lists every declared variable once, with its default, meaning, contracts and reader', () => {
    const table = settingsTable(settingsCatalogue());
    const names = settingsCatalogue().flatMap((schema) => Object.keys(schema.variables));
    for (const name of names)
      expect(table.split('\n').filter((row) => row.startsWith(`| \`${name}\` |`))).toHaveLength(1);
    expect(table).toContain('| `GEFYRA_STOWAWAY_MAX_CONNECTION_AGE` | `-1` (no limit) |');
    expect(table).toMatch(/\| `GEFYRA_PEER_SUBNET` \| `0\.0\.0\.0\/0`[^|]* \| [^|]+ \| 0\.13 \| core \|/);
    expect(table).toMatch(/\| `GEFYRA_STOWAWAY_STORAGE` \| `64` \| [^|]+ \| 2 \| stowaway2 \|/);
    expect(table).toMatch(/\| `GEFYRA_NAMESPACE` \| `gefyra` \| [^|]+ \| both \| core \|/);
  });

  it('fails loudly when the README lost its markers', () => {
    expect(() => readmeWithSettingsTable('# no table here\n', settingsCatalogue())).toThrow(
      /no settings table markers/,
    );
  });
});
