import type { PodRef } from '../../../src/domain/cluster/pod.js';

/**
 * Selects pods for a kubelet fault: a string is a pod name or
 * `namespace/name`; a RegExp is tested against the name; a function sees the
 * whole pod (labels, owner) for pods whose names are generated. Prefer
 * `namespace/name`: on the control plane's node a bare name may match a pod an
 * earlier test left while its namespace terminates.
 */
export type PodMatcher<P> = string | RegExp | ((pod: P) => boolean);

/** Selects images: a string matches every image that contains it; a RegExp is tested against the image. */
export type ImageMatcher = string | RegExp | ((image: string) => boolean);

/** Removes the fault it was returned by. */
export type Undo = () => void;

export function matchesImage(matcher: ImageMatcher, image: string): boolean {
  if (typeof matcher === 'function') return matcher(image);
  if (matcher instanceof RegExp) return matcher.test(image);
  return image.includes(matcher);
}

/**
 * The faults a test injects into a simulated kubelet, shared by the
 * in-memory cluster's kubelet (pods as the domain sees them) and the control
 * plane's simulated node (pods as the API serves them): `refOf` names a pod
 * of either shape. Each fault returns its undo; every change calls
 * `onChange`, so the kubelet looks at all its pods again.
 */
export class KubeletFaults<P> {
  readonly #pullFailures = new Set<ImageMatcher>();
  readonly #neverReady = new Set<PodMatcher<P>>();
  readonly #crashes = new Set<{ readonly pod: PodMatcher<P>; readonly container: string }>();
  readonly #refOf: (pod: P) => PodRef;
  readonly #onChange: () => void;

  constructor(refOf: (pod: P) => PodRef, onChange: () => void) {
    this.#refOf = refOf;
    this.#onChange = onChange;
  }

  /** Pulls of matching images fail: ErrImagePull, then ImagePullBackOff where the kubelet backs off. */
  failImagePull(image: ImageMatcher): Undo {
    return this.#add(this.#pullFailures, image);
  }

  /** Matching pods run but never become Ready. */
  neverReady(pod: PodMatcher<P>): Undo {
    return this.#add(this.#neverReady, pod);
  }

  /** The container crashes on every start (for a kubelet that models crash loops). */
  crash(pod: PodMatcher<P>, container: string): Undo {
    return this.#add(this.#crashes, { pod, container });
  }

  reset(): void {
    this.#pullFailures.clear();
    this.#neverReady.clear();
    this.#crashes.clear();
    this.#onChange();
  }

  pullFails(image: string): boolean {
    return [...this.#pullFailures].some((matcher) => matchesImage(matcher, image));
  }

  isNeverReady(pod: P): boolean {
    return [...this.#neverReady].some((matcher) => this.matchesPod(matcher, pod));
  }

  isCrashing(pod: P, container: string): boolean {
    return [...this.#crashes].some((crash) => crash.container === container && this.matchesPod(crash.pod, pod));
  }

  matchesPod(matcher: PodMatcher<P>, pod: P): boolean {
    if (typeof matcher === 'function') return matcher(pod);
    const { namespace, name } = this.#refOf(pod);
    if (matcher instanceof RegExp) return matcher.test(name);
    return matcher === name || matcher === `${namespace}/${name}`;
  }

  #add<T>(set: Set<T>, entry: T): Undo {
    set.add(entry);
    this.#onChange();
    return () => {
      if (set.delete(entry)) this.#onChange();
    };
  }
}
