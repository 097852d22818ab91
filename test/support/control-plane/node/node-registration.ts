import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { timestamp } from './pod-status.js';

export interface NodeCapacity {
  readonly cpu: string;
  readonly memory: string;
  readonly pods: string;
}

export interface NodeRegistration {
  readonly name: string;
  /** The address the API server connects to for exec (its --kubelet-preferred-address-types is InternalIP). */
  readonly internalIP: string;
  readonly kubeletPort: number;
  readonly podCidr: string;
  readonly capacity: NodeCapacity;
  readonly labels: Readonly<Record<string, string>>;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function isStatus(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === code;
}

/**
 * Creates the Node (or takes over an existing one of that name, as a restarted
 * kubelet does), reports it Ready with the kubelet endpoint of this process,
 * and clears the taints: the API server adds `node.kubernetes.io/not-ready` on
 * creation, and without a node lifecycle controller nobody else would lift it.
 */
export async function registerNode(kubeConfig: KubeConfig, node: NodeRegistration): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const labels = {
    'kubernetes.io/hostname': node.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    ...node.labels,
  };
  try {
    await core.createNode({
      body: { metadata: { name: node.name, labels }, spec: { podCIDR: node.podCidr, podCIDRs: [node.podCidr] } },
    });
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
    await core.patchNode({ name: node.name, body: { metadata: { labels } } }, mergePatch);
  }
  const now = timestamp(Date.now());
  const resources = {
    cpu: node.capacity.cpu,
    memory: node.capacity.memory,
    pods: node.capacity.pods,
    'ephemeral-storage': '1Ti',
  };
  const condition = (type: string, status: string, reason: string, message: string): Record<string, string> => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  await core.patchNodeStatus(
    {
      name: node.name,
      body: {
        status: {
          addresses: [
            { type: 'InternalIP', address: node.internalIP },
            { type: 'Hostname', address: node.name },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: node.kubeletPort } },
          capacity: resources,
          allocatable: resources,
          conditions: [
            condition(
              'MemoryPressure',
              'False',
              'KubeletHasSufficientMemory',
              'kubelet has sufficient memory available',
            ),
            condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
            condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
            condition('Ready', 'True', 'KubeletReady', 'simulated kubelet is posting ready status'),
          ],
          nodeInfo: {
            machineID: node.name,
            systemUUID: node.name,
            bootID: now,
            kernelVersion: 'simulated',
            osImage: 'gefyra-operator simulated node',
            containerRuntimeVersion: 'containerd://1.6.0-simulated',
            kubeletVersion: 'v1.20.2-simulated',
            kubeProxyVersion: 'v1.20.2-simulated',
            operatingSystem: 'linux',
            architecture: 'amd64',
          },
        },
      },
    },
    mergePatch,
  );
  await core.patchNode({ name: node.name, body: { spec: { taints: null, unschedulable: null } } }, mergePatch);
}

/**
 * What the node lifecycle controller would do to a node whose kubelet stopped:
 * Ready becomes Unknown and a NoSchedule taint keeps new pods off it, so that
 * they wait for the next kubelet instead of landing where nobody runs them.
 */
export async function markNodeStopped(kubeConfig: KubeConfig, name: string): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const now = timestamp(Date.now());
  await core.patchNode(
    {
      name,
      body: { spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: now }] } },
    },
    mergePatch,
  );
  const node = await core.readNodeStatus({ name });
  const conditions = (node.status?.conditions ?? []).map((c) =>
    c.type === 'Ready'
      ? {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        }
      : c,
  );
  await core.patchNodeStatus({ name, body: { status: { conditions } } }, mergePatch);
}

export async function deleteNode(kubeConfig: KubeConfig, name: string): Promise<void> {
  try {
    await kubeConfig.makeApiClient(CoreV1Api).deleteNode({ name });
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
}
