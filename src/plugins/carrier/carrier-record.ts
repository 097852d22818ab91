import { z } from 'zod';
import type { CarrierOwner } from '../../ports/carrier-installer.port.js';

/**
 * The durable record of an installed Carrier: an annotation on the pod, one
 * per container, written in the same patch that swaps the image. A pod that
 * runs Carrier therefore always says what it ran before and who asked.
 */
export const CARRIER_ANNOTATION_PREFIX = 'carrier.gefyra.dev/';

/** Marks pods that carry Carrier, so the runtime watches exactly those. */
export const CARRIER_POD_LABELS: Readonly<Record<string, string>> = { 'carrier.gefyra.dev/intercepted': 'true' };

export const carrierAnnotation = (container: string): string => `${CARRIER_ANNOTATION_PREFIX}${container}`;

/** The container id syncdirs.sh was last started in, for that container: it leaves no trace of its own to read. */
export const syncAnnotation = (container: string): string => `syncdirs.carrier.gefyra.dev/${container}`;

/** The container as it was before Carrier's image swap: what restoring puts back. */
export interface OriginalContainer {
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
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

export interface CarrierRecord {
  readonly owner: CarrierOwner;
  readonly original: OriginalContainer;
  readonly installedAt: Date;
}

export function writeCarrierRecord(record: CarrierRecord): string {
  return JSON.stringify({
    owner: record.owner,
    original: record.original,
    installedAt: record.installedAt.toISOString(),
  });
}

/** The record on a pod's annotation, or undefined when there is none (or it is not ours to read). */
export function readCarrierRecord(
  annotations: Readonly<Record<string, string>>,
  container: string,
): CarrierRecord | undefined {
  const raw = annotations[carrierAnnotation(container)];
  if (raw === undefined) return undefined;
  try {
    const parsed = recordSchema.parse(JSON.parse(raw));
    const original: OriginalContainer = {
      image: parsed.original.image,
      ...(parsed.original.command ? { command: parsed.original.command } : {}),
      ...(parsed.original.args ? { args: parsed.original.args } : {}),
    };
    return { owner: parsed.owner, original, installedAt: new Date(parsed.installedAt) };
  } catch {
    return undefined;
  }
}
