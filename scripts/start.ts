// `npm start`: the operator against the current kubeconfig (KUBECONFIG or
// ~/.kube/config); without one, against a local control plane with a
// simulated node (test/support/control-plane), printing how to use kubectl.
// `npm start -- --real-node`: a local cluster on a real node (test/support/real-node)
// running the operator as a pod from its image, as in production, until Ctrl-C.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { startLocalCluster } from '../test/support/control-plane/local-cluster.js';
import { startRealNodeCluster } from '../test/support/real-node/real-node-cluster.js';
import { provisionRealNode } from '../test/support/real-node/real-node.js';
import { runOnRealNode } from './start/real-node-start.js';
import { parseStartOptions } from './start/start-options.js';

const environment = { ...process.env };
const options = parseStartOptions(process.argv.slice(2), environment);
const kubeconfig =
  environment['KUBECONFIG'] ||
  (existsSync(join(homedir(), '.kube', 'config')) ? join(homedir(), '.kube', 'config') : undefined);

if ('error' in options) {
  process.stderr.write(`gefyra-operator: ${options.error}\n`);
  process.exitCode = 2;
} else if (options.realNode) {
  process.exitCode = await runOnRealNode(options.contract, {
    provision: provisionRealNode,
    startCluster: startRealNodeCluster,
    // Handlers stay for the whole run: a terminal's Ctrl-C reaches tsx and this process both, and tsx relays it
    // once more; a second SIGINT must not end the process before the node is stopped.
    stopRequested: async () =>
      await new Promise<string>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => resolve(signal));
      }),
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
  });
} else if (kubeconfig) {
  process.stderr.write(`gefyra-operator: running against ${kubeconfig} (Ctrl-C stops it; nothing is reset)\n`);
  process.exitCode = await main(['run'], environment);
} else {
  process.stderr.write(
    'gefyra-operator: no kubeconfig found; starting a local control plane (the first run builds it, which takes minutes)...\n',
  );
  const cluster = await startLocalCluster();
  process.stdout.write(`
Local Kubernetes ${cluster.controlPlane.version} at ${cluster.controlPlane.server}, simulated node "${cluster.node.name}".
In another terminal:

  export KUBECONFIG=${cluster.controlPlane.kubeconfigPath}
  kubectl get pods -n gefyra
  kubectl get events -n gefyra

Starting the operator; Ctrl-C stops it and the control plane.
`);
  try {
    process.exitCode = await main(['run', '--kubeconfig', cluster.controlPlane.kubeconfigPath], {
      ...environment,
      GEFYRA_LEADER_ELECTION: 'false',
    });
  } finally {
    await cluster.stop();
  }
}
