// `npm run image`: the operator's image as an OCI archive, without a container
// engine (the Dockerfile stays for machines with one; both follow
// scripts/image/recipe.ts). Options: --reference <name:tag>, --out <file.tar>.
// Prints the archive's path as its last line.
import { parseArgs } from 'node:util';
import { buildOperatorImage } from './image/build-operator-image.js';

const { values } = parseArgs({
  options: { reference: { type: 'string' }, out: { type: 'string' } },
});
const image = await buildOperatorImage({
  ...(values.reference === undefined ? {} : { reference: values.reference }),
  ...(values.out === undefined ? {} : { archivePath: values.out }),
});
process.stdout.write(`${image.archivePath}\n`);
