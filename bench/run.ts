// `npm run bench`: the operator's speed, API cost and scale on the local
// control plane with the simulated node (see README, "Benchmarks").
//   npm run bench              full run (about 10-20 minutes on 2 cores)
//   npm run bench -- --quick   a few intercepts of each scenario
//   npm run bench -- --scale 300 --burst 50   other sizes
//   npm run bench -- --data-plane 0           without the data-plane scenario (default 20, --quick 3)
//   npm run bench -- --client-rbac-only       only the scenario under the Gefyra client's ClusterRole (figures on stderr)
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { buildDist } from '../test/support/build-dist.js';
import { simulateGefyraComponents, SimulatedNode, startControlPlane } from '../test/support/control-plane/index.js';
import { installOperatorAccess, OPERATOR_NAMESPACE } from '../test/e2e/support/operator-access.js';
import {
  CLIENT_NAMES,
  CLIENT_OPERATOR_ENV,
  installAsClient,
  removeAsClient,
} from '../test/e2e/support/client-installation.js';
import { DEFAULT_OPERATOR_IMAGE } from '../src/install/install-manifests.js';
import { measureUnderClientRbac, type ClientRbacResult } from './scenarios/client-rbac.js';
import { operatorNodeFlags, startBench } from './support/bench-operator.js';
import { printReport, type BenchReport } from './support/report.js';
import { runScenarios, FULL, QUICK, type Sizes } from './scenarios/all.js';
import { measureDataPlane, type DataPlaneOutcome } from './scenarios/data-plane.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sequential: { type: 'string' },
    burst: { type: 'string' },
    'idle-intercepts': { type: 'string' },
    'idle-seconds': { type: 'string' },
    scale: { type: 'string' },
    'data-plane': { type: 'string' },
    'client-rbac-only': { type: 'boolean', default: false },
  },
});
const base = values.quick ? QUICK : FULL;
const sized = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
const sizes: Sizes = {
  sequential: sized(values.sequential, base.sequential),
  burst: sized(values.burst, base.burst),
  idleIntercepts: Math.min(sized(values['idle-intercepts'], base.idleIntercepts), sized(values.burst, base.burst)),
  idleSeconds: sized(values['idle-seconds'], base.idleSeconds),
  scale: sized(values.scale, base.scale),
};
const clientRbacOnly = values['client-rbac-only'];
const dataPlaneIntercepts = clientRbacOnly ? 0 : sized(values['data-plane'], values.quick ? 3 : 20);
const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

// The operator runs as the image runs it: the built command on Node.js 24.
progress('building the operator (npm run build)');
await buildDist();
const controlPlane = await startControlPlane();
// First, on its own node, operator and installation (removed afterwards): traffic through real intercepts.
let dataPlane: DataPlaneOutcome | undefined;
if (dataPlaneIntercepts > 0) {
  progress(`data plane: ${dataPlaneIntercepts} sequential intercepts with traffic`);
  dataPlane = await measureDataPlane(controlPlane, dataPlaneIntercepts, progress).catch((error: unknown) => ({
    skipped: `failed: ${String(error)}`,
  }));
  progress(`data plane: ${JSON.stringify(dataPlane)}`);
}
// Room for every scenario's pods at once (the latency pod, the burst, the scale set) and Stowaway.
const node = new SimulatedNode({
  kubeConfig: controlPlane.kubeletKubeConfig(),
  capacity: { cpu: '256', memory: '1Ti', pods: String(sizes.burst + sizes.scale + 50) },
});
simulateGefyraComponents(node);
await node.start();
let exitCode = 0;
try {
  // First the operator as `gefyra up` installs it, then `gefyra down`; then deploy/'s on the emptied cluster.
  progress(
    `client RBAC: ${Math.min(10, sizes.sequential)} sequential intercepts under the Gefyra client's ClusterRole`,
  );
  const clientRbac = await benchUnderClientRbac({
    sequential: Math.min(10, sizes.sequential),
    idleSeconds: sizes.idleSeconds,
    idleIntercepts: sizes.idleIntercepts,
  });
  progress(`client RBAC: ${JSON.stringify(clientRbac)}`);
  if (!clientRbacOnly) await benchUnderDeployRbac(clientRbac);
} catch (error) {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitCode = 1;
} finally {
  await node.stop({ deregister: true }).catch(() => undefined);
  await controlPlane.stop();
}
process.exit(exitCode);

async function benchUnderClientRbac(
  clientSizes: Parameters<typeof measureUnderClientRbac>[1],
): Promise<ClientRbacResult> {
  const installation = await installAsClient(controlPlane, OPERATOR_NAMESPACE, DEFAULT_OPERATOR_IMAGE);
  const access = { ...installation, name: CLIENT_NAMES.serviceAccount };
  const env = { ...CLIENT_OPERATOR_ENV, GEFYRA_OPERATOR_CLUSTER_ROLE: undefined };
  const bench = await startBench({
    admin: controlPlane.adminKubeConfig(),
    node,
    access,
    auditLogPath: controlPlane.auditLogPath,
    progress,
    built: true,
    targetNamespace: 'bench-client',
    env,
  });
  try {
    return await measureUnderClientRbac(bench, clientSizes);
  } finally {
    await removeAsClient(controlPlane, OPERATOR_NAMESPACE, () => bench.stop());
  }
}

/** Then deploy/'s installation on the emptied cluster: every scenario, and the report. */
async function benchUnderDeployRbac(clientRbac: ClientRbacResult): Promise<void> {
  const access = await installOperatorAccess(controlPlane);
  const bench = await startBench({
    admin: controlPlane.adminKubeConfig(),
    node,
    access,
    auditLogPath: controlPlane.auditLogPath,
    progress,
    built: true,
  });
  try {
    const results = await runScenarios(bench, sizes).catch((error: unknown) => {
      process.stderr.write(`[bench] the operator's last log lines:\n${bench.operator().describe(40)}\n`);
      throw error;
    });
    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: {
        cores: cpus().length,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        kubernetes: controlPlane.version,
      },
      sizes,
      operatorNodeFlags: operatorNodeFlags(),
      ...results,
      ...(dataPlane === undefined ? {} : { dataPlane }),
      clientRbac,
    };
    printReport(report);
  } finally {
    await bench.stop();
  }
}
