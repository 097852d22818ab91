// Writes deploy/ and deploy/gefyra2/ from src/install (see deploy-files.ts, gefyra2-deploy-files.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployFiles } from '../src/install/deploy-files.js';
import { gefyra2DeployFiles } from '../src/install/gefyra2-deploy-files.js';

const directory = join(import.meta.dirname, '..', 'deploy');
for (const [folder, files] of [['', deployFiles()], ['gefyra2', gefyra2DeployFiles()]] as const) {
  mkdirSync(join(directory, folder), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(directory, folder, name), content);
    console.log(`wrote ${join('deploy', folder, name)}`);
  }
}
