import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOperatorImage, type BuiltImage } from '../../../scripts/image/build-operator-image.js';
import { provisionRealNode, startRealNode, type RealNode } from './real-node.js';
import { buildStandInArchives, CARRIER_IMAGE, DEMO_APP_IMAGE, STOWAWAY_IMAGE } from './stand-in-images.js';

/** One line of the tier's figures, on stderr. */
export const figure = (line: string): void => void process.stderr.write(`[real-node] ${line}\n`);

/** The node's binaries (provisioned, cached), or undefined after the one line that says why the tier is skipped. */
export async function realNodeBinDir(): Promise<string | undefined> {
  const provisioned = await provisionRealNode();
  if ('binDir' in provisioned) return provisioned.binDir;
  figure(`tier skipped: ${provisioned.unavailable}`);
  return undefined;
}

export interface NodeWithImages {
  readonly node: RealNode;
  /** The operator's image (npm run image), imported under `image.reference`. */
  readonly image: BuiltImage;
  /** Stops the node and removes the stand-ins' archives. */
  stop(): Promise<void>;
}

/**
 * A started real node with the operator's image, the Stowaway and Carrier
 * stand-ins and the demo app imported into its containerd: the image and the
 * archives are built while the node starts. `figure` gets one line of what
 * each part took.
 */
export async function startNodeWithImages(binDir: string, figure: (line: string) => void): Promise<NodeWithImages> {
  const standInDir = join(tmpdir(), `gefyra-stand-in-images-${process.pid}-${Date.now()}`);
  const [built, started, archived] = await Promise.allSettled([
    buildOperatorImage({ progress: () => undefined }),
    startRealNode(binDir),
    buildStandInArchives(standInDir),
  ]);
  if (built.status === 'rejected' || started.status === 'rejected' || archived.status === 'rejected') {
    // A node that started while a build failed is stopped here: nobody else holds it.
    if (started.status === 'fulfilled') await started.value.stop();
    await rm(standInDir, { recursive: true, force: true });
    throw [built, started, archived].flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []))[0];
  }
  const [image, node, standIns] = [built.value, started.value, archived.value];
  const stop = async (): Promise<void> => {
    await node.stop();
    await rm(standInDir, { recursive: true, force: true });
  };
  try {
    figure(
      `image built in ${image.seconds.toFixed(1)} s (${image.manifestDigest}); control plane in the namespace ` +
        `${node.figures.controlPlaneSeconds.toFixed(1)} s; kubelet start -> node Ready ${node.figures.nodeReadySeconds.toFixed(1)} s; ` +
        `stand-ins (${STOWAWAY_IMAGE}, ${CARRIER_IMAGE}) and the demo app (${DEMO_APP_IMAGE}) built in ${standIns.seconds.toFixed(1)} s`,
    );
    const importedAt = Date.now();
    for (const archive of [image.archivePath, ...standIns.archives]) await node.importImage(archive);
    figure(`four images imported into containerd in ${((Date.now() - importedAt) / 1000).toFixed(1)} s`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { node, image, stop };
}
