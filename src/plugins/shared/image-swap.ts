import { z } from 'zod';
import {
  type ContainerSpec,
  type ContainerStatus,
  findContainer,
  findContainerStatus,
  type Pod,
} from '../../domain/cluster/pod.js';
import { DomainError } from '../../domain/errors.js';
import type { CarrierObservation, CarrierOwner, CarrierTarget } from '../../ports/carrier-installer.port.js';
import type { PodPatch } from '../../ports/cluster-api.port.js';

/**
 * What the carriers installed by swapping a container's image (Carrier,
 * carrier2) share: the record of the container as it was, written on the pod
 * in the same patch as the swap, what the pod shows of the carrier, and when
 * a swapped container is in trouble.
 */

/** The container as it was before the image swap: what restoring puts back. */
export interface OriginalContainer {
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

export interface ImageSwapRecord {
  readonly owner: CarrierOwner;
  readonly original: OriginalContainer;
  readonly installedAt: Date;
}

const originalContainerOf = (spec: ContainerSpec): OriginalContainer => ({
  image: spec.image,
  ...(spec.command ? { command: spec.command } : {}),
  ...(spec.args ? { args: spec.args } : {}),
});

const recordSchema = z.object({
  owner: z.object({ uid: z.string(), request: z.string() }),
  original: z.object({
    image: z.string(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
  }),
  installedAt: z.string(),
});

const writeImageSwapRecord = (record: ImageSwapRecord): string =>
  JSON.stringify({ owner: record.owner, original: record.original, installedAt: record.installedAt.toISOString() });

/** The record in an annotation's value, or undefined when there is none (or it cannot be read). */
export function readImageSwapRecord(raw: string | undefined): ImageSwapRecord | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed = recordSchema.parse(JSON.parse(raw));
    const { image, command, args } = parsed.original;
    return {
      owner: parsed.owner,
      original: { image, ...(command ? { command } : {}), ...(args ? { args } : {}) },
      installedAt: new Date(parsed.installedAt),
    };
  } catch {
    return undefined;
  }
}

/** Waiting reasons after which a container will not start by itself soon. */
const TROUBLE_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerError',
  'CreateContainerConfigError',
  'ErrImageNeverPull',
]);

/** Why the container will not start by itself soon (`Reason: message`), or undefined. */
function startTrouble(status: ContainerStatus | undefined): string | undefined {
  if (status?.current.state !== 'waiting' || !TROUBLE_REASONS.has(status.current.reason)) return undefined;
  const { reason, message } = status.current;
  return message ? `${reason}: ${message}` : reason;
}

/**
 * The image a container status says the container runs. A pulled image's
 * imageID names its repository (`quay.io/gefyra/carrier@sha256:…`); containerd
 * reports an image loaded without a registry (`ctr images import`, `kind load`,
 * `k3d image import`) by its config digest alone (`sha256:…`), and then only
 * `image` (its repository tag) names it.
 */
function runningImageOf(status: ContainerStatus): string {
  return status.imageID === '' || /^(docker:\/\/)?sha256:/.test(status.imageID) ? status.image : status.imageID;
}

/** What sets one image-swapping carrier apart in a pod. */
export interface ImageSwap {
  /** The image swapped in. */
  readonly image: string;
  /** Whether an image reference (or image ID) is the carrier's, whatever its tag or digest. */
  isCarrierImage(reference: string): boolean;
  /** Marks the pods that carry the carrier, so the runtime watches exactly those. */
  readonly labels: Readonly<Record<string, string>>;
  /** The annotation that holds the record of a container. */
  recordAnnotation(container: string): string;
}

/**
 * The image swap of a carrier whose image is `settings.image`:`settings.tag`;
 * `isImageOf` tells whether a reference or image ID names its repository.
 */
export function imageSwapOf(
  settings: { readonly image: string; readonly tag: string },
  carrier: Pick<ImageSwap, 'labels' | 'recordAnnotation'> & {
    isImageOf(repository: string, reference: string): boolean;
  },
): ImageSwap {
  // A container status names an image of Docker Hub without its registry.
  const repository = settings.image.replace(/^docker\.io\//, '');
  return {
    image: `${settings.image}:${settings.tag}`,
    isCarrierImage: (reference) => carrier.isImageOf(repository, reference),
    labels: carrier.labels,
    recordAnnotation: carrier.recordAnnotation,
  };
}

/**
 * The one write that installs the carrier: the record of the container as it
 * was, the carrier's labels and its image, on the pod as read (a pod changed
 * since is a Conflict), so a pod on the carrier always says how to undo it.
 */
export function imageSwapPatch({ pod, container, owner }: CarrierTarget, swap: ImageSwap, installedAt: Date): PodPatch {
  const spec = findContainer(pod, container);
  if (!spec) throw new DomainError('NotFound', `pod ${pod.namespace}/${pod.name} has no container ${container}`);
  const record = writeImageSwapRecord({ owner, original: originalContainerOf(spec), installedAt });
  return {
    labels: swap.labels,
    annotations: { [swap.recordAnnotation(container)]: record },
    images: { [container]: swap.image },
    expectedResourceVersion: pod.resourceVersion,
  };
}

/**
 * The write that undoes the swap, when the container's record names `owner`
 * (else undefined: nothing of theirs to undo): the original image back,
 * unless someone else set an image meanwhile (theirs to keep); the record
 * and `alsoRemove` gone; the labels too when no other container of the pod
 * keeps the carrier.
 */
export function imageSwapUndoPatch(
  pod: Pod,
  container: string,
  owner: CarrierOwner,
  swap: ImageSwap,
  { othersRemain, alsoRemove }: { readonly othersRemain: boolean; readonly alsoRemove: readonly string[] },
): PodPatch | undefined {
  const record = recordOf(pod, container, swap);
  if (!record || record.owner.uid !== owner.uid) return undefined;
  const image = findContainer(pod, container)?.image;
  const images = image !== undefined && swap.isCarrierImage(image) ? { [container]: record.original.image } : {};
  const labels = othersRemain ? {} : Object.fromEntries(Object.keys(swap.labels).map((key) => [key, null]));
  const removed = [swap.recordAnnotation(container), ...alsoRemove].map((key) => [key, null]);
  return { labels, annotations: Object.fromEntries(removed), images, expectedResourceVersion: pod.resourceVersion };
}

/**
 * What the pod shows of the carrier in a container, from its record there:
 * `running` only while the container runs the carrier's image (an image set
 * in its place is `replacedBy`); `containerID` names the container instance.
 */
export function observeImageSwap(pod: Pod, container: string, swap: ImageSwap): CarrierObservation {
  const record = recordOf(pod, container, swap);
  if (!record) return { state: 'absent' };
  const image = findContainer(pod, container)?.image;
  const base = {
    owner: record.owner,
    installedAt: record.installedAt,
    replaced: record.original.image,
    ...(image !== undefined && !swap.isCarrierImage(image) ? { replacedBy: image } : {}),
  };
  const status = findContainerStatus(pod, container);
  if (status && status.current.state === 'running' && swap.isCarrierImage(runningImageOf(status))) {
    return {
      state: 'running',
      ...base,
      containerID: status.containerID ?? `${pod.uid}/${container}/${status.restartCount}`,
    };
  }
  const trouble = startTrouble(status);
  if (trouble !== undefined) return { state: 'failing', ...base, reason: trouble };
  return { state: 'starting', ...base };
}

const recordOf = (pod: Pod, container: string, swap: ImageSwap): ImageSwapRecord | undefined =>
  readImageSwapRecord(pod.annotations[swap.recordAnnotation(container)]);
