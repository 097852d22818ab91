import { z } from 'zod';
import type { CarrierOwner } from '../../ports/carrier-installer.port.js';

/**
 * The durable records of carrier2 in a pod, as annotations: what the
 * container ran before carrier2 (written in the same patch that swaps the
 * image, so a pod on carrier2 always says how to undo it; Gefyra 2.5.4 keeps
 * it in a ConfigMap, a second write that can be lost) and which
 * configuration the running container instance took.
 */
const PREFIX = 'carrier2.gefyra.dev/';
const CONFIGURED_PREFIX = 'configured.carrier2.gefyra.dev/';

/** Marks pods that carry carrier2, so the runtime watches exactly those. */
export const CARRIER2_POD_LABELS: Readonly<Record<string, string>> = { 'carrier2.gefyra.dev/mounted': 'true' };

export const carrier2Annotation = (container: string): string => `${PREFIX}${container}`;

export const configuredAnnotation = (container: string): string => `${CONFIGURED_PREFIX}${container}`;

/** The containers of the pod that have a carrier2 record. */
export const recordedContainers = (annotations: Readonly<Record<string, string>>): string[] =>
  Object.keys(annotations)
    .filter((key) => key.startsWith(PREFIX))
    .map((key) => key.slice(PREFIX.length));

/** The container as it was before the image swap: what restoring puts back (only the image changes, command and args are kept). */
export interface OriginalContainer {
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

export interface Carrier2Record {
  readonly owner: CarrierOwner;
  readonly original: OriginalContainer;
  readonly installedAt: Date;
}

const recordSchema = z.object({
  owner: z.object({ uid: z.string(), request: z.string() }),
  original: z.object({
    image: z.string(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
  }),
  installedAt: z.string(),
});

export const writeCarrier2Record = (record: Carrier2Record): string =>
  JSON.stringify({ owner: record.owner, original: record.original, installedAt: record.installedAt.toISOString() });

/** The record of the container, or undefined when there is none (or it cannot be read). */
export function readCarrier2Record(
  annotations: Readonly<Record<string, string>>,
  container: string,
): Carrier2Record | undefined {
  const parsed = parseJson(annotations[carrier2Annotation(container)], recordSchema);
  if (!parsed) return undefined;
  const { image, command, args } = parsed.original;
  return {
    owner: parsed.owner,
    original: { image, ...(command ? { command } : {}), ...(args ? { args } : {}) },
    installedAt: new Date(parsed.installedAt),
  };
}

/** A configuration carrier2 took, valid for the container instance it was pushed to. */
export interface ConfiguredRecord {
  readonly containerID: string;
  readonly fingerprint: string;
}

const configuredSchema = z.object({ containerID: z.string(), fingerprint: z.string() });

export const writeConfiguredRecord = (record: ConfiguredRecord): string =>
  JSON.stringify({ containerID: record.containerID, fingerprint: record.fingerprint });

export const readConfiguredRecord = (
  annotations: Readonly<Record<string, string>>,
  container: string,
): ConfiguredRecord | undefined => parseJson(annotations[configuredAnnotation(container)], configuredSchema);

function parseJson<T>(raw: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return schema.parse(JSON.parse(raw));
  } catch {
    return undefined;
  }
}
