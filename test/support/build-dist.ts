import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Compiles src/ to dist/ as `npm run build` does. The webhook's liveness
 * check (bin/webhook-healthcheck.js, what the image's `python
 * gefyra/healthcheck.py` runs) reads its port with the webhook's settings
 * schema from dist/, as in the image; a test that runs the check builds
 * first, whatever ran before it.
 */
export async function buildDist(): Promise<void> {
  await run(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')],
    { cwd: ROOT },
  );
}
