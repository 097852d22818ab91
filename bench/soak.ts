// `npm run bench:soak -- [--rounds 10] [--intercepts 8]`: the operator through a
// long run's mishaps, round after round, on its own local control plane (it
// restarts kube-apiserver, which no other scenario may see): intercepts created,
// their route table and proxy Services deleted underneath them, kube-apiserver
// restarted, the intercepts deleted. Prints the operator's resident memory after
// every round (it must stay flat: within 10 % of the first round's) and how many
// intercepts ended each round established, then one BENCH_SOAK {json} line.
import { parseArgs } from 'node:util';
import { buildDist } from '../test/support/build-dist.js';
import { simulateGefyraComponents, SimulatedNode, startControlPlane } from '../test/support/control-plane/index.js';
import { installOperatorAccess } from '../test/e2e/support/operator-access.js';
import { startBench } from './support/bench-operator.js';
import { measureSoak } from './scenarios/soak.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '10' }, intercepts: { type: 'string', default: '8' } },
});
const rounds = Number(values.rounds);
const intercepts = Number(values.intercepts);
const progress = (line: string) => process.stderr.write(`[bench soak] ${line}\n`);

progress('building the operator (npm run build)');
await buildDist();
const controlPlane = await startControlPlane();
const node = new SimulatedNode({ kubeConfig: controlPlane.kubeletKubeConfig() });
simulateGefyraComponents(node);
await node.start();
let exitCode = 0;
try {
  const access = await installOperatorAccess(controlPlane);
  const bench = await startBench({
    admin: controlPlane.adminKubeConfig(),
    node,
    access,
    auditLogPath: controlPlane.auditLogPath,
    progress,
    built: true,
    targetNamespace: 'bench-soak',
  });
  try {
    const result = await measureSoak(bench, {
      rounds,
      intercepts,
      restartApiServer: () => controlPlane.restartApiServer(),
    });
    for (const round of result.rounds) {
      const failed =
        round.failedReasons.length > 0
          ? `, ${round.failedReasons.length} failed (${round.failedReasons.join(', ')})`
          : '';
      process.stdout.write(
        `soak round ${String(round.round).padStart(2)}  resident ${round.residentMiB} MiB  ` +
          `${round.establishedAfterRepair}/${result.interceptsPerRound} established after the repair${failed}\n`,
      );
    }
    process.stdout.write(
      `largest drift from round 1: ${result.maxDriftPercent} %\nBENCH_SOAK ${JSON.stringify(result)}\n`,
    );
  } catch (error) {
    process.stderr.write(`[bench soak] the operator's last log lines:\n${bench.operator().describe(40)}\n`);
    throw error;
  } finally {
    await bench.stop();
  }
} catch (error) {
  process.stderr.write(
    `[bench soak] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  exitCode = 1;
} finally {
  await node.stop({ deregister: true }).catch(() => undefined);
  await controlPlane.stop();
}
process.exit(exitCode);
