import type { Pod, PodRef } from '../../domain/cluster/pod.js';

/**
 * Selects pods for a test control: a string is a pod name or `namespace/name`;
 * a RegExp is tested against the name; a function sees the whole Pod (labels,
 * owner) for pods whose names are generated.
 */
export type PodMatcher = string | RegExp | ((pod: Pod) => boolean);

/** Selects images: a string matches every image that contains it; a RegExp is tested against the image. */
export type ImageMatcher = string | RegExp;

export function matchesPod(matcher: PodMatcher, pod: Pod): boolean {
  if (typeof matcher === 'function') return matcher(pod);
  if (matcher instanceof RegExp) return matcher.test(pod.name);
  return matcher === pod.name || matcher === `${pod.namespace}/${pod.name}`;
}

export function matchesImage(matcher: ImageMatcher, image: string): boolean {
  return matcher instanceof RegExp ? matcher.test(image) : image.includes(matcher);
}

export const samePod = (a: PodRef, b: PodRef): boolean => a.namespace === b.namespace && a.name === b.name;
