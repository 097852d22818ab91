import type { RealNodeCluster } from '../../test/support/real-node/real-node-cluster.js';
import type { StartContract } from './start-options.js';

/** What `npm start -- --real-node` needs, as parameters: the real ones in scripts/start.ts, small fakes in its unit test. */
export interface RealNodeStartDependencies {
  /** The node's binaries, or why this machine cannot run the node (one line). */
  readonly provision: () => Promise<{ binDir: string } | { unavailable: string }>;
  readonly startCluster: (
    binDir: string,
    contract: StartContract,
    progress: (line: string) => void,
  ) => Promise<Pick<RealNodeCluster, 'kubeconfigPath' | 'installation' | 'operatorPod' | 'stop'>>;
  /** Resolves on the first SIGINT or SIGTERM (Ctrl-C). */
  readonly stopRequested: () => Promise<string>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/**
 * Runs the local cluster on a real node with the operator as a pod from its
 * image, until Ctrl-C, then stops everything. The exit code: 0 after a clean
 * stop, 1 when the machine cannot run the node (said in one line) or the start failed.
 */
export async function runOnRealNode(contract: StartContract, dependencies: RealNodeStartDependencies): Promise<number> {
  const { err, out } = dependencies;
  const provisioned = await dependencies.provision();
  if ('unavailable' in provisioned) {
    err(`gefyra-operator: --real-node cannot run on this machine: ${provisioned.unavailable}\n`);
    return 1;
  }
  err('gefyra-operator: starting a real node and building the operator image (a few minutes)...\n');
  const stop = dependencies.stopRequested();
  const cluster = await dependencies.startCluster(provisioned.binDir, contract, (line) => err(`[real-node] ${line}\n`));
  out(`
A real node (kubelet, containerd, kube-proxy) runs ${cluster.installation} with the operator as pod ${cluster.operatorPod}.
In another terminal:

  export KUBECONFIG=${cluster.kubeconfigPath}
  kubectl get pods -n gefyra
  kubectl logs -n gefyra ${cluster.operatorPod}

Ctrl-C stops the node and everything on it.
`);
  const signal = await stop;
  err(`gefyra-operator: ${signal}: stopping the real node...\n`);
  await cluster.stop();
  err('gefyra-operator: stopped\n');
  return 0;
}
