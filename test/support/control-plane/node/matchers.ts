import type { V1Pod } from '@kubernetes/client-node';

/**
 * Selects pods for a test control: a string is a pod name or `namespace/name`;
 * a RegExp is tested against the pod name; a function sees the whole Pod
 * (labels, owner) for pods whose names are generated. Prefer `namespace/name`
 * in tests: a node named like an earlier one takes over the pods that earlier
 * tests left on it while their namespaces terminate, and a bare name may match
 * one of those.
 */
export type PodMatcher = string | RegExp | ((pod: V1Pod) => boolean);

/** Selects images: a string matches every image that contains it; a RegExp is tested against the image. */
export type ImageMatcher = string | RegExp | ((image: string) => boolean);

export function matchesPod(matcher: PodMatcher, pod: V1Pod): boolean {
  const name = pod.metadata?.name ?? '';
  if (typeof matcher === 'function') return matcher(pod);
  if (matcher instanceof RegExp) return matcher.test(name);
  return matcher === name || matcher === `${pod.metadata?.namespace ?? ''}/${name}`;
}

export function matchesImage(matcher: ImageMatcher, image: string): boolean {
  if (typeof matcher === 'function') return matcher(image);
  if (matcher instanceof RegExp) return matcher.test(image);
  return image.includes(matcher);
}
