import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../../../src/domain/errors.js';
import { MountWorkload, type MountPlace } from '../../../../../../src/plugins/gefyra2/domain/mount/mount-workload.js';
import type { ClusterApi } from '../../../../../../src/ports/cluster-api.port.js';
import { deployment, webHpa, WORKLOAD_NAMESPACE } from '../../../../../support/gefyra2-bridges-fixture.js';
import { SimulatedCluster } from '../../../../../support/simulated-cluster/index.js';

const signal = () => AbortSignal.timeout(5_000);
const place: MountPlace = {
  target: { kind: 'Deployment', name: 'web' },
  namespace: WORKLOAD_NAMESPACE,
  container: 'app',
  duplicationId: 'mount-uid',
};

/**
 * An API server older than Kubernetes 1.23 (the local control plane runs
 * 1.20): autoscaling/v2 is not served, and every call naming it answers
 * NotFound as KubernetesClusterApi reports an unserved kind.
 */
function withoutAutoscalingV2(cluster: SimulatedCluster): ClusterApi {
  const names = (value: unknown) =>
    typeof value === 'object' && value !== null && (value as { apiVersion?: unknown }).apiVersion === 'autoscaling/v2';
  return new Proxy(cluster, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (names(args[0]))
          // As the Kubernetes adapter's resource catalog says it (src/adapters/kubernetes/client/resource-catalog.ts).
          throw new DomainError('NotFound', 'the API server does not serve autoscaling/v2 HorizontalPodAutoscaler', {
            details: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', reason: 'KindNotServed' },
          });
        return (value as (...all: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('MountWorkload on an API server without autoscaling/v2', () => {
  it('copies, finds and removes the HPA through autoscaling/v2beta2', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['default', WORKLOAD_NAMESPACE] });
    const workload = await cluster.create(deployment('web', 2), signal());
    await cluster.create(webHpa('autoscaling/v2beta2'), signal());
    const mounts = new MountWorkload(withoutAutoscalingV2(cluster));
    const copy = { apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', namespace: WORKLOAD_NAMESPACE };

    await mounts.prepare(place, workload, {}, signal());
    expect(cluster.peek({ ...copy, name: 'web-gefyra' })?.['spec']).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'web-gefyra' },
      maxReplicas: 4,
    });
    expect((await mounts.shadowState(place, workload, signal()))?.current).toBe(true);

    await mounts.removeShadow(place, signal());
    expect(cluster.peek({ ...copy, name: 'web-gefyra' })).toBeUndefined();
    expect(await mounts.shadowLeft(place, signal())).toBe(false);
  });
});
