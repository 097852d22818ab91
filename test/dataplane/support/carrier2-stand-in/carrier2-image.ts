import { buildSync } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageDefinition } from '../../../support/control-plane/data-plane/container-instance.js';
import { CARRIER2_IMAGE_BOOT } from '../../../support/simulated-cluster/simulators/carrier2-image-boot.js';

const STAND_IN = join(dirname(fileURLToPath(import.meta.url)), 'carrier2.ts');
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
  const { files, carrier2Args, log, pidFile } = CARRIER2_IMAGE_BOOT;
  return {
    files: [
      { path: '/carrier2/carrier2.mjs', content: standInBundle() },
      {
        path: '/carrier2/bin/carrier2',
        content: '#!/bin/sh\nexec node /carrier2/carrier2.mjs "$@"\n',
        executable: true,
      },
      ...Object.entries(files).map(([path, content]) => ({ path, content })),
    ],
    env: { PATH: '/carrier2/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    entrypoint: ['/bin/sh', '-c', `carrier2 ${carrier2Args.join(' ')}; exec busybox tail -F ${log}`],
    startedWhen: pidFile,
  };
}
