import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { buildOperatorImage, type BuiltImage } from '../../../scripts/image/build-operator-image.js';
import { captureHostState, type HostState } from './host-state.js';
import { provisionRealNode, removeStaleCgroupRoots, startRealNode, type RealNode } from './real-node.js';
import {
  buildCarrierStandIn,
  buildDemoAppImage,
  buildStowawayStandIn,
  CARRIER_IMAGE,
  DEMO_APP_IMAGE,
  STOWAWAY_IMAGE,
} from './stand-in-images.js';

/** One line of the tier's figures, on stderr. */
export const figure = (line: string): void => void process.stderr.write(`[real-node] ${line}\n`);

/** The node's binaries (provisioned, cached), or undefined after the one line that says why the tier is skipped. */
export async function realNodeBinDir(): Promise<string | undefined> {
  const provisioned = await provisionRealNode();
  if ('binDir' in provisioned) return provisioned.binDir;
  figure(`tier skipped: ${provisioned.unavailable}`);
  return undefined;
}

/** One stand-in image to build next to the node's start: its archive's file name and its builder. */
export interface StandInBuild {
  readonly name: string;
  readonly reference: string;
  readonly build: (archivePath: string) => Promise<void>;
}

/** What an intercept through the 0.13 contract needs on the node: Stowaway's and Carrier's stand-ins and a demo app. */
export const INTERCEPT_STAND_INS: readonly StandInBuild[] = [
  { name: 'stowaway-stand-in', reference: STOWAWAY_IMAGE, build: buildStowawayStandIn },
  { name: 'carrier-stand-in', reference: CARRIER_IMAGE, build: buildCarrierStandIn },
  { name: 'demo-app', reference: DEMO_APP_IMAGE, build: buildDemoAppImage },
];

export interface NodeWithImages {
  readonly node: RealNode;
  readonly image: BuiltImage;
  readonly kubeConfig: KubeConfig;
  /** The host as it was before the node started (hostStateChanges compares it after `node.stop()`). */
  readonly hostBefore: HostState;
  /** Stops the node (if still running) and removes the stand-ins' archives. */
  stop(): Promise<void>;
}

/**
 * The tier's set-up: snapshots the host, then builds the operator's image and
 * the stand-ins while the node starts, and imports them all into the node.
 * `figure` gets one line per phase with its time.
 */
export async function startNodeWithImages(
  binDir: string,
  standIns: readonly StandInBuild[],
  figure: (line: string) => void,
): Promise<NodeWithImages> {
  await removeStaleCgroupRoots();
  const hostBefore = await captureHostState();
  const standInDir = join(tmpdir(), `gefyra-stand-in-images-${process.pid}-${Date.now()}`);
  const [imageBuild, nodeStart, standInBuild] = await Promise.allSettled([
    buildOperatorImage({ progress: () => undefined }),
    startRealNode(binDir),
    buildStandInArchives(standInDir, standIns),
  ]);
  const node = nodeStart.status === 'fulfilled' ? nodeStart.value : undefined;
  try {
    for (const outcome of [imageBuild, nodeStart, standInBuild])
      if (outcome.status === 'rejected') throw outcome.reason;
    const image = (imageBuild as PromiseFulfilledResult<BuiltImage>).value;
    const built = (standInBuild as PromiseFulfilledResult<{ archives: string[]; seconds: number }>).value;
    const ready = node as RealNode;
    figure(
      `image built in ${image.seconds.toFixed(1)} s (${image.manifestDigest}); control plane in the namespace ` +
        `${ready.figures.controlPlaneSeconds.toFixed(1)} s; kubelet start -> node Ready ${ready.figures.nodeReadySeconds.toFixed(1)} s; ` +
        `stand-ins (${standIns.map((standIn) => standIn.reference).join(', ')}) built in ${built.seconds.toFixed(1)} s`,
    );
    const importedAt = Date.now();
    for (const archive of [image.archivePath, ...built.archives]) await ready.importImage(archive);
    figure(
      `${1 + built.archives.length} images imported into containerd in ${((Date.now() - importedAt) / 1000).toFixed(1)} s`,
    );
    return {
      node: ready,
      image,
      kubeConfig: ready.adminKubeConfig(),
      hostBefore,
      stop: async () => {
        await node?.stop();
        await rm(standInDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await node?.stop();
    await rm(standInDir, { recursive: true, force: true });
    throw error;
  }
}

/** Builds the stand-ins' archives in `dir`, one after the other (while the node starts). */
async function buildStandInArchives(
  dir: string,
  standIns: readonly StandInBuild[],
): Promise<{ archives: string[]; seconds: number }> {
  const startedAt = Date.now();
  await mkdir(dir, { recursive: true });
  const archives: string[] = [];
  for (const standIn of standIns) {
    archives.push(join(dir, `${standIn.name}.oci.tar`));
    await standIn.build(archives.at(-1) as string);
  }
  return { archives, seconds: (Date.now() - startedAt) / 1000 };
}
