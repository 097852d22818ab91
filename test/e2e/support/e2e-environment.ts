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
import {
  createTestNamespace,
  deleteTestNamespace,
  useControlPlane,
  useSimulatedNode,
} from '../../support/control-plane/vitest.js';
import { CLIENT_PEER_SUBNET_ENV } from '../../support/client-network.js';
import { restoreBareInstallation } from './component-reset.js';
import { GefyraState } from './gefyra-state.js';
import { printOperatorLogsOnFailure } from './operator-logs-on-failure.js';
import {
  installOperatorAccess,
  OPERATOR_NAMESPACE,
  removeOperatorInstallation,
  type OperatorAccess,
} from './operator-access.js';
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
  /**
   * After each test (its operators stopped, its clean-ups run) remove every
   * request, component, Event and the Lease from the operator namespace (or
   * install again what a reset removed), so that each test starts from the
   * bare installation whatever ran before it. Needs `stopOperators: 'afterEach'`.
   */
  readonly freshComponents?: boolean;
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
  /**
   * Registers a clean-up step of the running test. Steps run after the
   * test's operators are stopped (so none can undo them), latest first.
   */
  cleanup(step: () => Promise<void> | void): void;
  /** A namespace of the running test, with its `default` ServiceAccount; deleted in its clean-up. */
  testNamespace(prefix: string): Promise<string>;
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
  const stopOperators = options.stopOperators ?? 'afterEach';
  if (options.freshComponents === true && stopOperators !== 'afterEach')
    throw new Error('freshComponents needs stopOperators: afterEach');
  const cleanups: (() => Promise<void> | void)[] = [];

  if (options.install !== false) {
    beforeAll(async () => {
      access = await installOperatorAccess(controlPlane);
    });
  }
  printOperatorLogsOnFailure();
  afterEach(async () => {
    if (stopOperators === 'afterEach') await stopAllOperatorProcesses();
    for (const step of cleanups.splice(0).reverse()) await step();
    if (options.freshComponents === true) access = (await restoreBareInstallation(controlPlane)) ?? access;
  });
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
        // The developers' Docker network, as `gefyra up` names it (installed from deploy/, an administrator does): bridges send there.
        env: {
          GEFYRA_OPERATOR_CLUSTER_ROLE: environment.access().name,
          ...CLIENT_PEER_SUBNET_ENV,
          ...processOptions.env,
        },
      }),
    cleanup: (step) => void cleanups.push(step),
    testNamespace: async (prefix) => {
      const name = await createTestNamespace(controlPlane.adminKubeConfig(), prefix);
      environment.cleanup(async () => await deleteTestNamespace(controlPlane.adminKubeConfig(), name));
      return name;
    },
  };
  return environment;
}
