// Writes deploy/ and deploy/gefyra2/ from src/install (see deploy-files.ts, gefyra2-deploy-files.ts),
// and the README's configuration table from the settings schemas (src/settings).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployFiles } from '../src/install/deploy-files.js';
import { gefyra2DeployFiles } from '../src/plugins/gefyra2/install/gefyra2-deploy-files.js';
import { settingsCatalogue } from '../src/settings/settings-catalogue.js';
import { readmeWithSettingsTable } from '../src/settings/settings-table.js';

const root = join(import.meta.dirname, '..');
const directory = join(root, 'deploy');
for (const [folder, files] of [
  ['', deployFiles()],
  ['gefyra2', gefyra2DeployFiles()],
] as const) {
  mkdirSync(join(directory, folder), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(directory, folder, name), content);
    console.log(`wrote ${join('deploy', folder, name)}`);
  }
}
const readme = join(root, 'README.md');
writeFileSync(readme, readmeWithSettingsTable(readFileSync(readme, 'utf8'), settingsCatalogue()));
console.log('wrote the configuration table of README.md');
