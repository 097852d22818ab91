import type { V1Pod } from '@kubernetes/client-node';
import { matchesImage, matchesPod, type ImageMatcher, type PodMatcher } from './matchers.js';

/** Removes the control it was returned by. */
export type Undo = () => void;

/**
 * The faults a test can inject into the simulated kubelet. Each control
 * returns its undo; every change makes the node look at all its pods again.
 */
export class TestControls {
  readonly #pullFailures = new Set<ImageMatcher>();
  readonly #neverReady = new Set<PodMatcher>();
  readonly #crashes = new Set<{ readonly pod: PodMatcher; readonly container: string }>();
  readonly #onChange: () => void;

  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  failImagePull(image: ImageMatcher): Undo {
    return this.#add(this.#pullFailures, image);
  }

  neverReady(pod: PodMatcher): Undo {
    return this.#add(this.#neverReady, pod);
  }

  crash(pod: PodMatcher, container: string): Undo {
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

  isNeverReady(pod: V1Pod): boolean {
    return [...this.#neverReady].some((matcher) => matchesPod(matcher, pod));
  }

  isCrashing(pod: V1Pod, container: string): boolean {
    return [...this.#crashes].some((crash) => crash.container === container && matchesPod(crash.pod, pod));
  }

  #add<T>(set: Set<T>, entry: T): Undo {
    set.add(entry);
    this.#onChange();
    return () => {
      if (set.delete(entry)) this.#onChange();
    };
  }
}
