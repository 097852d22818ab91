import { z } from 'zod';
import type { ContainerSpec, ContainerStatus } from '../../domain/cluster/pod.js';
import type { CarrierOwner } from '../../ports/carrier-installer.port.js';

/**
 * What the carriers installed by swapping a container's image (Carrier,
 * carrier2) share: the record of the container as it was, written on the pod
 * in the same patch as the swap, and when a swapped container is in trouble.
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

export const originalContainerOf = (spec: ContainerSpec): OriginalContainer => ({
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

export const writeImageSwapRecord = (record: ImageSwapRecord): string =>
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
export function startTrouble(status: ContainerStatus | undefined): string | undefined {
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
export function runningImageOf(status: ContainerStatus): string {
  return status.imageID === '' || /^(docker:\/\/)?sha256:/.test(status.imageID) ? status.image : status.imageID;
}
