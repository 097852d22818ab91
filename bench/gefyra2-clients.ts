// `npx tsx bench/gefyra2-clients.ts [--clients 50] [--churn 10]`: Gefyra 2 clients
// on the local control plane with the simulated node answering as Stowaway 2.x
// (the GefyraClient controller in this process, on watches and the work queue,
// as the runtime runs it). Measures what the 2.5 client waits for:
// create → ACTIVE with providerConfig (through WAITING and the subnet patch),
// clients connected one after the other; then peer churn (a client joins and
// leaves) while all the others stay connected, and this process's memory with all
// connected. Prints one BENCH_GEFYRA2 {json} line.
import { parseArgs } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { Stowaway2Simulator } from '../test/support/simulated-cluster/simulators/stowaway2-simulator.js';
import { KubernetesWatchSource } from '../src/adapters/kubernetes/client/index.js';
import {
  GEFYRA_CLIENT_API_VERSION,
  GEFYRA_CLIENT_KIND,
  gefyraClientFrom,
} from '../src/plugins/gefyra2/domain/client/gefyra-client.js';
import { STOWAWAY2 } from '../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import { SimulatedNode, startControlPlane } from '../test/support/control-plane/index.js';
import { pollUntil } from '../test/support/control-plane/polling.js';
import { startGefyra2 } from '../test/e2e/support/gefyra2-lifecycle.js';
import { summarize } from './support/stats.js';

const { values } = parseArgs({
  options: { clients: { type: 'string', default: '50' }, churn: { type: 'string', default: '10' } },
});
const clients = Number(values.clients);
const churn = Number(values.churn);
const progress = (line: string) => process.stderr.write(`[bench gefyra2] ${line}\n`);

const controlPlane = await startControlPlane();
const node = new SimulatedNode({ kubeConfig: controlPlane.kubeletKubeConfig() });
const simulator = new Stowaway2Simulator({ readConfigMap: (ns, name) => node.readConfigMap(ns, name) });
node.onExec(simulator.handle);
await node.start();
const namespace = 'gefyra-bench2';
const admin = controlPlane.adminKubeConfig();
try {
  const core = admin.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await pollUntil(
    'the default ServiceAccount',
    async () => await core.readNamespacedServiceAccount({ namespace, name: 'default' }),
    { timeoutMs: 30_000 },
  );
  const g = await startGefyra2(admin, namespace);
  await node.whenPod(`${namespace}/${STOWAWAY2.pod}`, (pod) => pod.status?.containerStatuses?.[0]?.ready === true, {
    timeoutMs: 60_000,
  });

  // One watch records when each client reached each state.
  const waiters = new Map<string, () => void>();
  const watch = new KubernetesWatchSource(admin).watch(
    { apiVersion: GEFYRA_CLIENT_API_VERSION, kind: GEFYRA_CLIENT_KIND, namespace },
    (event) => {
      const client = gefyraClientFrom(event.object);
      const key = `${client.name}/${event.type === 'DELETED' ? 'DELETED' : client.state}`;
      waiters.get(key)?.();
      waiters.delete(key);
    },
  );
  await watch.synced;
  const reached = (name: string, state: string) =>
    new Promise<void>((resolve) => waiters.set(`${name}/${state}`, resolve));

  const toWaitingMs: number[] = [];
  const toActiveMs: number[] = [];
  const connect = async (name: string, subnet: string): Promise<number> => {
    const started = performance.now();
    const waiting = reached(name, 'WAITING');
    await g.create(name);
    await waiting;
    const subnetSet = performance.now();
    toWaitingMs.push(subnetSet - started);
    const active = reached(name, 'ACTIVE');
    await g.setSubnet(name, subnet);
    await active;
    toActiveMs.push(performance.now() - subnetSet);
    return performance.now() - started;
  };
  const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  // This process holds the controller and the simulated node (not the API server): the difference is what the clients cost it.
  const memoryBefore = process.memoryUsage();
  const connectMs: number[] = [];
  for (let index = 0; index < clients; index++) {
    connectMs.push(await connect(`dev-${index}`, `10.${index + 1}.0.0/16`));
    if ((index + 1) % 10 === 0) progress(`${index + 1} connected`);
  }
  const memoryConnected = process.memoryUsage();
  const pod = await g.stowawayPod();
  const joinMs: number[] = [];
  const leaveMs: number[] = [];
  for (let round = 0; round < churn; round++) {
    const name = `churn-${round}`;
    joinMs.push(await connect(name, `10.250.${round}.0/24`));
    const started = performance.now();
    const deleted = reached(name, 'DELETED');
    await g.api.remove(g.ref(name), AbortSignal.timeout(30_000));
    await deleted;
    leaveMs.push(performance.now() - started);
  }
  const after = await g.stowawayPod();
  const live = simulator.livePeers(namespace, STOWAWAY2.pod).size;
  await watch.stop();
  await g.stop();
  const result = {
    clients,
    createToActiveMs: summarize(connectMs),
    createToWaitingMs: summarize(toWaitingMs.slice(0, clients)),
    subnetToActiveMs: summarize(toActiveMs.slice(0, clients)),
    churn: { rounds: churn, joinMs: summarize(joinMs), deleteMs: summarize(leaveMs) },
    stowawayPodUnchanged: pod.uid === after.uid && pod.restarts === after.restarts,
    livePeersAfterChurn: live,
    stowawayRegenerations: simulator.regenerations,
    memoryWithAllConnected: {
      residentMiB: mib(memoryConnected.rss),
      heapUsedMiB: mib(memoryConnected.heapUsed),
      heapUsedGrowthMiB: mib(memoryConnected.heapUsed - memoryBefore.heapUsed),
    },
  };
  process.stdout.write(`BENCH_GEFYRA2 ${JSON.stringify(result)}\n`);
} finally {
  await node.stop();
  await controlPlane.stop();
}
