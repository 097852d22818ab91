import type { V1Container, V1Pod } from '@kubernetes/client-node';

/** A minimal Pod with the given containers (name → image), for tests that need a known pod name. */
export function podManifest(name: string, containers: Record<string, string>, extra: Partial<V1Container> = {}): V1Pod {
  return {
    metadata: { name, labels: { test: name } },
    spec: {
      containers: Object.entries(containers).map(([containerName, image]) => ({
        name: containerName,
        image,
        ...extra,
      })),
      terminationGracePeriodSeconds: 5,
    },
  };
}

export { containerStatus, isReady } from '../../support/pod-conditions.js';
