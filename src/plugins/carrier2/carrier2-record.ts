import { z } from 'zod';
import { type ImageSwapRecord, readImageSwapRecord } from '../shared/image-swap.js';

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

/** The record of the container, or undefined when there is none (or it cannot be read). */
export const readCarrier2Record = (
  annotations: Readonly<Record<string, string>>,
  container: string,
): ImageSwapRecord | undefined => readImageSwapRecord(annotations[carrier2Annotation(container)]);

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
