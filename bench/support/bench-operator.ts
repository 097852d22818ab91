import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';
import type { SimulatedNode } from '../../test/support/control-plane/index.js';
import type { OperatorAccess } from '../../test/e2e/support/operator-access.js';
import {
  IMAGE_NODE_FLAGS,
  startOperatorProcess,
  type OperatorProcess,
} from '../../test/e2e/support/operator-process.js';
import { AuditLog, type BenchContext, timelines } from './bench-context.js';
import { CLIENT_PEER_SUBNET_ENV } from '../../test/support/client-network.js';

export interface BenchSetup {
  readonly admin: KubeConfig;
  readonly node: SimulatedNode;
  readonly access: OperatorAccess;
  readonly auditLogPath: string;
  readonly targetNamespace?: string;
  /** Extra operator environment on top of production defaults and the client's GEFYRA_PEER_SUBNET (where requests send traffic). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly progress?: (line: string) => void;
  /** Run the built command, as the image does (needs `npm run build`). */
  readonly built?: boolean;
}

/**
 * The Node.js flags the operator runs with: the image's, unless
 * BENCH_OPERATOR_NODE_FLAGS says otherwise (`''` for none), to compare V8 settings.
 */
export function operatorNodeFlags(): readonly string[] {
  const chosen = process.env['BENCH_OPERATOR_NODE_FLAGS'];
  return chosen === undefined ? IMAGE_NODE_FLAGS : chosen.split(' ').filter(Boolean);
}

/**
 * Starts the operator as it runs in production (its own process, its
 * ServiceAccount, default settings) and the instruments around it.
 */
export async function startBench(setup: BenchSetup): Promise<BenchContext & { stop(): Promise<void> }> {
  const targetNamespace = setup.targetNamespace ?? 'bench';
  // For profiling: BENCH_OPERATOR_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench
  const nodeOptions = process.env['BENCH_OPERATOR_NODE_OPTIONS'];
  const env = { ...setup.env, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
  await ensureNamespace(setup.admin, targetNamespace);
  const launch = () =>
    startOperatorProcess({
      kubeconfigPath: setup.access.kubeconfigPath,
      env: { GEFYRA_OPERATOR_CLUSTER_ROLE: setup.access.name, ...CLIENT_PEER_SUBNET_ENV, ...env },
      startTimeoutMs: 60_000,
      built: setup.built ?? false,
      nodeFlags: operatorNodeFlags(),
    });
  const start = async () => {
    const operator = await launch();
    await operator.ready({ timeoutMs: 120_000 });
    if (process.env['BENCH_OPERATOR_WARNINGS']) {
      void operator
        .waitForLog(
          (line) => (
            Number(line['level']) >= 40 && process.stderr.write(`[operator] ${JSON.stringify(line)}\n`),
            false
          ),
          { timeoutMs: 2 ** 31 - 1 },
        )
        .catch(() => undefined);
    }
    return operator;
  };
  let operator: OperatorProcess = await start();
  const { requests, pods } = timelines(setup.admin, setup.access.namespace, targetNamespace);
  await Promise.all([requests.synced, pods.synced]);
  const audit = new AuditLog(setup.auditLogPath);
  await audit.mark();
  return {
    admin: setup.admin,
    node: setup.node,
    operatorNamespace: setup.access.namespace,
    targetNamespace,
    operatorUser: setup.access.username,
    audit,
    requests,
    pods,
    operator: () => operator,
    restartOperator: async () => {
      await operator.stop();
      operator = await launch();
      return operator;
    },
    progress: setup.progress ?? (() => undefined),
    stop: async () => {
      await Promise.all([requests.stop(), pods.stop()]);
      await operator.stop();
    },
  };
}

async function ensureNamespace(admin: KubeConfig, name: string): Promise<void> {
  const core = admin.makeApiClient(CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name } } });
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}
