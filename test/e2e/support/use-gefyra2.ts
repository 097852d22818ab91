import { afterAll, beforeAll } from 'vitest';
import { Stowaway2Simulator } from '../../support/simulated-cluster/simulators/stowaway2-simulator.js';
import { STOWAWAY2 } from '../../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../../support/control-plane/vitest.js';
import { startGefyra2, type Gefyra2 } from './gefyra2-lifecycle.js';

/**
 * A describe's Gefyra 2 set-up on the real API server: a namespace of its
 * own, Stowaway 2.x as a real StatefulSet whose container the simulated node
 * answers as the 2.5 image, and the GefyraClient controller, all started
 * before its tests and stopped after them.
 */
export function useGefyra2OnSimulatedNode(namespacePrefix: string) {
  const node = useSimulatedNode();
  const controlPlane = useControlPlane();
  const namespace = useTestNamespace(namespacePrefix);
  const simulator = new Stowaway2Simulator({ readConfigMap: (ns, name) => node.readConfigMap(ns, name) });
  let gefyra: Gefyra2 | undefined;
  let removeHandler: (() => void) | undefined;
  let removePodListener: (() => void) | undefined;

  beforeAll(async () => {
    removeHandler = node.onExec(simulator.handle);
    removePodListener = node.onPodChange((pod) => simulator.podObserved(pod));
    gefyra = await startGefyra2(controlPlane.adminKubeConfig(), namespace.name);
    await node.whenPod(
      `${namespace.name}/${STOWAWAY2.pod}`,
      (pod) => pod.status?.containerStatuses?.[0]?.ready === true,
      { timeoutMs: 60_000 },
    );
  }, 120_000);

  afterAll(async () => {
    await gefyra?.stop();
    removeHandler?.();
    removePodListener?.();
  });

  const g = (): Gefyra2 => {
    if (gefyra === undefined) throw new Error('started in beforeAll');
    return gefyra;
  };
  return { node, controlPlane, namespace, simulator, g };
}
