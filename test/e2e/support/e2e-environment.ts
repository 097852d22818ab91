import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  simulateGefyraComponents,
  type ControlPlaneAccess,
  type ExecHandler,
  type GefyraComponents,
  type SimulatedNode,
  type SimulatedNodeOptions,
} from '../../support/control-plane/index.js';
import { useControlPlane, useSimulatedNode } from '../../support/control-plane/vitest.js';
import { GefyraState } from './gefyra-state.js';
import { printOperatorLogsOnFailure } from './operator-logs-on-failure.js';
import { installOperatorAccess, OPERATOR_NAMESPACE, removeOperatorInstallation, type OperatorAccess } from './operator-access.js';
import {
  stopAllOperatorProcesses,
  startOperatorProcess,
  type OperatorProcess,
  type OperatorProcessOptions,
} from './operator-process.js';

export interface E2eEnvironmentOptions {
  /** Exec handlers asked before Stowaway's and Carrier's (to observe, or to kill the operator mid-command). */
  readonly handlers?: readonly ExecHandler[];
  readonly node?: Omit<SimulatedNodeOptions, 'kubeConfig' | 'handlers'>;
  /** Install namespace, CRD and RBAC before the file's tests. Default true. */
  readonly install?: boolean;
  /** Stop every operator process after each test (default), or only after the file (a shared operator). */
  readonly stopOperators?: 'afterEach' | 'afterAll';
}

/** What an e2e test file works with. */
export interface E2eEnvironment {
  readonly node: SimulatedNode;
  readonly components: GefyraComponents;
  readonly controlPlane: ControlPlaneAccess;
  admin(): KubeConfig;
  /** Reads of Gefyra's objects, as the admin. */
  state(): GefyraState;
  /** The installed access (after beforeAll). */
  access(): OperatorAccess;
  /** Starts `gefyra-operator run` as the installed ServiceAccount; `env` on top of the file's defaults. */
  startOperator(options?: OperatorProcessOptions): Promise<OperatorProcess>;
}

/**
 * The e2e harness of one test file: the simulated node answering as
 * Stowaway and Carrier, the operator's namespace, CRD and RBAC installed from
 * the manifests, and operator processes that are always ended (also when a
 * test fails). Afterwards the installation is removed while the node still
 * runs, so the next file starts from an empty cluster. Call it first in the
 * file (its afterAll must run after the other hooks').
 */
export function useE2eEnvironment(options: E2eEnvironmentOptions = {}): E2eEnvironment {
  const node = useSimulatedNode({ ...options.node, handlers: [...(options.handlers ?? [])] });
  const components = simulateGefyraComponents(node);
  const controlPlane = useControlPlane();
  let access: OperatorAccess | undefined;

  if (options.install !== false) {
    beforeAll(async () => {
      access = await installOperatorAccess(controlPlane);
    });
  }
  printOperatorLogsOnFailure();
  if ((options.stopOperators ?? 'afterEach') === 'afterEach') afterEach(async () => await stopAllOperatorProcesses());
  afterAll(async () => {
    await stopAllOperatorProcesses();
    await removeOperatorInstallation(controlPlane);
  });

  const environment: E2eEnvironment = {
    node,
    components,
    controlPlane,
    admin: () => controlPlane.adminKubeConfig(),
    state: () => new GefyraState(controlPlane.adminKubeConfig(), OPERATOR_NAMESPACE),
    access: () => {
      if (access === undefined) throw new Error('the operator access is installed in beforeAll');
      return access;
    },
    startOperator: async (processOptions = {}) =>
      await startOperatorProcess({
        kubeconfigPath: environment.access().kubeconfigPath,
        ...processOptions,
        env: { GEFYRA_OPERATOR_CLUSTER_ROLE: environment.access().name, ...processOptions.env },
      }),
  };
  return environment;
}
