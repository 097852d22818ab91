import { parseArgs } from 'node:util';
import { startLocalCluster } from './local-cluster.js';

// Starts the local control plane with one simulated node (Stowaway and Carrier
// answered like the real images) and keeps it up until Ctrl-C:
//   npx tsx test/support/control-plane/cli.ts [--node-name sim-node] [--keep]

const { values } = parseArgs({
  options: {
    'node-name': { type: 'string', default: 'sim-node' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: npx tsx test/support/control-plane/cli.ts [--node-name <name>] [--keep]\n  --keep  leave the work directory (logs, etcd data) after exit\n',
  );
  process.exit(0);
}

let stopping = false;
const cluster = await startLocalCluster({
  controlPlane: { keepWorkDir: values.keep },
  node: { name: values['node-name'] },
});
const { controlPlane, node } = cluster;
const stop = async (signal: string): Promise<void> => {
  if (stopping) {
    // A second Ctrl-C: leave now; the exit hook kills the processes.
    process.exit(130);
  }
  stopping = true;
  process.stderr.write(`\n${signal}: stopping the control plane...\n`);
  await cluster.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

process.stdout.write(`
Local Kubernetes ${controlPlane.version} is up at ${controlPlane.server}
with the simulated node "${node.name}" (kubelet on 127.0.0.1:${node.kubeletPort}).

  export KUBECONFIG=${controlPlane.kubeconfigPath}
  kubectl get nodes

Audit log:      ${controlPlane.auditLogPath}
Component logs: ${controlPlane.logDir}
Pods get a Running status but no container runs; exec answers like Stowaway and
Carrier (WebSocket only: kubectl 1.20's SPDY exec is not served).
Press Ctrl-C to stop; ${values.keep ? `${controlPlane.workDir} is kept` : 'everything is removed'}.
`);
