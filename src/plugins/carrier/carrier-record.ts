import { type ImageSwapRecord, readImageSwapRecord } from '../shared/image-swap.js';

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

export type CarrierRecord = ImageSwapRecord;

/** The record on a pod's annotation, or undefined when there is none (or it is not ours to read). */
export const readCarrierRecord = (
  annotations: Readonly<Record<string, string>>,
  container: string,
): CarrierRecord | undefined => readImageSwapRecord(annotations[carrierAnnotation(container)]);
