// Writes deploy/ from src/install (see deploy-files.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployFiles } from '../src/install/deploy-files.js';

const directory = join(import.meta.dirname, '..', 'deploy');
for (const [name, content] of Object.entries(deployFiles())) {
  writeFileSync(join(directory, name), content);
  console.log(`wrote deploy/${name}`);
}
