import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { pollUntil } from '../control-plane/polling.js';
import { createAll, DEPLOY_DIR, GEFYRA2_DEPLOY_DIR, kustomizationObjects } from './kustomization.js';
import { startNodeWithImages, type NodeWithImages, type StandInBuild } from './node-with-images.js';
import { throwIfStuck } from './pod-checks.js';
import {
  buildCarrierStandIn,
  buildStowaway2StandIn,
  buildStowawayStandIn,
  CARRIER_IMAGE,
  STOWAWAY2_IMAGE,
  STOWAWAY_IMAGE,
} from './stand-in-images.js';

export type Contract = '0.13' | '2';

/** What a contract's installation needs on the node: its kustomization and the stand-ins of the images it starts. */
const INSTALLATIONS: Record<Contract, { readonly dir: string; readonly standIns: readonly StandInBuild[] }> = {
  '0.13': {
    dir: DEPLOY_DIR,
    standIns: [
      { name: 'stowaway-stand-in', reference: STOWAWAY_IMAGE, build: buildStowawayStandIn },
      { name: 'carrier-stand-in', reference: CARRIER_IMAGE, build: buildCarrierStandIn },
    ],
  },
  '2': {
    dir: GEFYRA2_DEPLOY_DIR,
    standIns: [{ name: 'stowaway2-stand-in', reference: STOWAWAY2_IMAGE, build: buildStowaway2StandIn }],
  },
};

export interface RealNodeCluster extends NodeWithImages {
  /** The contract's kustomization, applied (deploy/ or deploy/gefyra2). */
  readonly installation: string;
  readonly operatorPod: string;
  /** The admin kubeconfig that reaches the node's API server from this machine. */
  readonly kubeconfigPath: string;
}

/**
 * A real node running the operator as users run it: its image built and
 * imported, the contract's kustomization applied as `kubectl apply -k` does,
 * and the operator pod Ready through the kubelet's probes. Stowaway and
 * Carrier are the tier's stand-ins (no registry is reachable).
 */
export async function startRealNodeCluster(
  binDir: string,
  contract: Contract,
  progress: (line: string) => void,
): Promise<RealNodeCluster> {
  const installation = INSTALLATIONS[contract];
  const started = await startNodeWithImages(binDir, installation.standIns, progress);
  try {
    const appliedAt = Date.now();
    await createAll(started.kubeConfig, await kustomizationObjects(installation.dir, started.image.reference));
    const pod = await pollUntil('the operator pod Ready', async () => await readyOperatorPod(started.kubeConfig), {
      timeoutMs: 300_000,
      intervalMs: 1_000,
    });
    progress(`applied ${installation.dir}: operator pod Ready in ${((Date.now() - appliedAt) / 1000).toFixed(1)} s`);
    return {
      ...started,
      installation: installation.dir,
      operatorPod: pod.metadata?.name as string,
      kubeconfigPath: started.node.kubeconfigPath,
    };
  } catch (error) {
    await started.stop();
    throw error;
  }
}

/** The operator's pod once Ready (undefined before); throws when the kubelet cannot start it. */
export async function readyOperatorPod(kubeConfig: KubeConfig): Promise<V1Pod | undefined> {
  const pods = await kubeConfig
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace: 'gefyra', labelSelector: 'app.kubernetes.io/component=operator' });
  throwIfStuck(pods.items);
  return pods.items.find((pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}
