// `npx tsx bench/gefyra2-bridges.ts [--bridges 20]`: Gefyra 2 mounts and bridges
// on the local control plane, the simulated node answering as Stowaway 2.x and
// carrier2 (the GefyraClient, GefyraBridgeMount and GefyraBridge controllers in
// this process, on watches and work queues, as the runtime runs them). Measures
// what the 2.5 client's user waits for: mount create → ACTIVE (a Deployment with
// two replicas); bridge create → the first request with the bridge's header
// routed to the developer (one bridge per developer, one after the other on one
// mount); bridge delete → such a request answered by the shadow again; unmount.
// "Routed" is the configuration taking effect on the simulated node (carrier2 in
// every original pod gives the request to the bridge's Stowaway proxy, and
// Stowaway's nginx sends that port to the developer's address), not bytes on a
// wire: the data-plane test carries bytes. Prints a table and one
// BENCH_GEFYRA2_BRIDGES {json} line.
import { parseArgs } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { runBridgesBench, formatBridgesReport } from './support/gefyra2-bridges-run.js';
import { SimulatedNode, startControlPlane } from '../test/support/control-plane/index.js';
import { pollUntil } from '../test/support/control-plane/polling.js';

const { values } = parseArgs({ options: { bridges: { type: 'string', default: '20' } } });
const progress = (line: string) => process.stderr.write(`[bench gefyra2 bridges] ${line}\n`);

const controlPlane = await startControlPlane();
const node = new SimulatedNode({ kubeConfig: controlPlane.kubeletKubeConfig() });
await node.start();
const admin = controlPlane.adminKubeConfig();
const [namespace, workloadNamespace] = ['gefyra-bench2b', 'bench-shop'];
try {
  const core = admin.makeApiClient(CoreV1Api);
  for (const name of [namespace, workloadNamespace]) {
    await core.createNamespace({ body: { metadata: { name } } });
    await pollUntil(
      `the default ServiceAccount of ${name}`,
      async () => await core.readNamespacedServiceAccount({ namespace: name, name: 'default' }),
      { timeoutMs: 30_000 },
    );
  }
  const result = await runBridgesBench(
    { admin, node, namespace, workloadNamespace },
    { bridges: Number(values.bridges), progress },
  );
  process.stdout.write(formatBridgesReport(result));
} finally {
  await node.stop();
  await controlPlane.stop();
}
