import { buildSync } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageDefinition } from '../../../support/control-plane/data-plane/container-instance.js';

const STAND_IN = join(dirname(fileURLToPath(import.meta.url)), 'carrier2.ts');
/** carrier2 2.5.4's own config.yaml, as its image ships it: the server files and no proxy (idle until the first push). */
const DEFAULT_CONFIG = [
  'version: 1',
  'threads: 4',
  'pid_file: /tmp/carrier2.pid',
  'error_log: /tmp/carrier.log',
  'upgrade_sock: /tmp/carrier2.sock',
  'upstream_keepalive_pool_size: 100',
  '',
].join('\n');

let bundle: string | undefined;

/** The stand-in as one script for the node on the host's /usr (a container sees no node_modules). */
function standInBundle(): string {
  bundle ??= buildSync({
    entryPoints: [STAND_IN],
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Debian's nodejs (18 in bookworm) runs it.
    target: 'node18',
    write: false,
    // The yaml package's CommonJS build requires Node's modules.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  }).outputFiles[0]?.text;
  if (bundle === undefined) throw new Error('esbuild wrote no bundle of the carrier2 stand-in');
  return bundle;
}

/**
 * carrier2's image in the data plane: the stand-in as `carrier2` on PATH,
 * the image's default /tmp/config.yaml and its init (`busybox init` with
 * `::once:carrier2 -c /tmp/config.yaml -d` and `::respawn:tail -F
 * /tmp/carrier.log`). The push's script (`busybox sh -c`) runs against it as
 * against the real image.
 */
export function carrier2Image(): ImageDefinition {
  return {
    files: [
      { path: '/carrier2/carrier2.mjs', content: standInBundle() },
      {
        path: '/carrier2/bin/carrier2',
        content: '#!/bin/sh\nexec node /carrier2/carrier2.mjs "$@"\n',
        executable: true,
      },
      { path: '/tmp/config.yaml', content: DEFAULT_CONFIG },
      { path: '/tmp/carrier.log', content: '' },
    ],
    env: { PATH: '/carrier2/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    entrypoint: ['/bin/sh', '-c', 'carrier2 -c /tmp/config.yaml -d; exec busybox tail -F /tmp/carrier.log'],
    startedWhen: '/tmp/carrier2.pid',
  };
}
