import type { PodPatch } from '../../../ports/cluster-api.port.js';

/**
 * The strategic-merge-patch body (`application/strategic-merge-patch+json`)
 * for a PodPatch. Strategic merge matters for the containers: the API server
 * merges `spec.containers` by `name`, so naming only the container and its
 * image leaves every other container and field as it is; in a plain merge
 * patch the list would replace all containers. Annotation `null` removes the
 * key (labels likewise); `metadata.resourceVersion` makes the write conditional (409 when stale).
 * Annotations and images travel in one body, so they land in one write.
 */
export interface PodPatchBody {
  readonly metadata?: {
    readonly labels?: Readonly<Record<string, string | null>>;
    readonly annotations?: Readonly<Record<string, string | null>>;
    readonly resourceVersion?: string;
  };
  readonly spec?: {
    readonly containers: readonly { readonly name: string; readonly image: string }[];
  };
}

export function buildPodPatchBody(patch: PodPatch): PodPatchBody {
  const labels = patch.labels && Object.keys(patch.labels).length > 0 ? { ...patch.labels } : undefined;
  const annotations =
    patch.annotations && Object.keys(patch.annotations).length > 0 ? { ...patch.annotations } : undefined;
  const containers = Object.entries(patch.images ?? {}).map(([name, image]) => ({ name, image }));
  const metadata = {
    ...(labels === undefined ? {} : { labels }),
    ...(annotations === undefined ? {} : { annotations }),
    ...(patch.expectedResourceVersion === undefined ? {} : { resourceVersion: patch.expectedResourceVersion }),
  };
  return {
    ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
    ...(containers.length === 0 ? {} : { spec: { containers } }),
  };
}
