// `npm start`: the operator against the current kubeconfig (KUBECONFIG or
// ~/.kube/config); without one, against a local control plane with a
// simulated node (test/support/control-plane), printing how to use kubectl.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { startLocalCluster } from '../test/support/control-plane/local-cluster.js';

const environment = { ...process.env };
const kubeconfig =
  environment['KUBECONFIG'] ||
  (existsSync(join(homedir(), '.kube', 'config')) ? join(homedir(), '.kube', 'config') : undefined);

if (kubeconfig) {
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
