import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { SimulatedNode, type ControlPlaneAccess } from '../../support/control-plane/index.js';
import { DataPlane } from '../../support/control-plane/data-plane/data-plane.js';
import type { ContainerHost } from '../../support/control-plane/node/container-host.js';
import { useControlPlane } from '../../support/control-plane/vitest.js';
import { pollUntil } from '../../support/control-plane/polling.js';
import { CLIENT_PEER_SUBNET_ENV } from '../../support/client-network.js';
import { deleteAllInterceptRequests } from '../../e2e/support/intercept-requests.js';
import { printOperatorLogsOnFailure } from '../../e2e/support/operator-logs-on-failure.js';
import {
  installOperatorAccess,
  OPERATOR_NAMESPACE,
  removeOperatorInstallation,
  type OperatorAccess,
} from '../../e2e/support/operator-access.js';
import {
  startOperatorProcess,
  stopAllOperatorProcesses,
  type OperatorProcess,
  type OperatorProcessOptions,
} from '../../e2e/support/operator-process.js';

/** Why this machine cannot run the data-plane tier (one line printed by the global setup); empty when it can. */
export function dataPlaneUnavailable(): boolean {
  return inject('dataPlaneUnavailable') !== '';
}

export interface DataPlaneEnvironment {
  readonly node: SimulatedNode;
  readonly controlPlane: ControlPlaneAccess;
  plane(): DataPlane;
  admin(): KubeConfig;
  startOperator(options?: OperatorProcessOptions): Promise<OperatorProcess>;
  /** Reads `gefyra-cargo-connection` and brings the developer's machine's tunnel up, serving HTTP on `ports`. */
  connectDeveloperMachine(ports: readonly number[]): Promise<void>;
  /** GETs until a 2xx answer contains `expected` (`''`: any 2xx answer); returns how many attempts that took. */
  waitForAnswer(ip: string, port: number, expected: string, path?: string): Promise<number>;
  /** The Stowaway pod serving now. */
  stowawayPod(): Promise<V1Pod>;
}

/**
 * The data-plane harness of one test file: a simulated node whose pods are
 * real processes in network namespaces (test/support/control-plane/data-plane),
 * the developer's machine, the operator's installation from the manifests,
 * and operator processes that are always ended. Call it first in the file:
 * its afterAll (stopping the node, removing the namespaces) must run last.
 */
export function useDataPlaneEnvironment(): DataPlaneEnvironment {
  const controlPlane = useControlPlane();
  let plane: DataPlane | undefined;
  let access: OperatorAccess | undefined;
  const started = (): DataPlane => {
    if (plane === undefined) throw new Error('the data plane starts in beforeAll');
    return plane;
  };
  // The node is built before the plane exists; it reaches the plane's host through these.
  const containerHost: ContainerHost = {
    sync: async (pod) => await started().host.sync(pod),
    forget: async (key) => await started().host.forget(key),
  };
  const node = new SimulatedNode({
    kubeConfig: controlPlane.kubeletKubeConfig(),
    containerHost,
    handlers: [async (request) => await started().execHandler(request)],
  });

  beforeAll(async () => {
    plane = await DataPlane.start({ kubeConfig: controlPlane.kubeletKubeConfig() });
    await node.start();
  });
  afterAll(async () => {
    await node.stop();
    await plane?.stop();
  });
  beforeAll(async () => {
    access = await installOperatorAccess(controlPlane);
  });
  printOperatorLogsOnFailure();
  // A failed test must not leave its intercepts to the next one.
  afterEach(async () => await deleteAllInterceptRequests(controlPlane.adminKubeConfig()));
  afterAll(async () => {
    await stopAllOperatorProcesses();
    await removeOperatorInstallation(controlPlane);
  });

  const admin = (): KubeConfig => controlPlane.adminKubeConfig();
  return {
    node,
    controlPlane,
    plane: started,
    admin,
    startOperator: async (options = {}) => {
      if (access === undefined) throw new Error('the operator access is installed in beforeAll');
      return await startOperatorProcess({
        kubeconfigPath: access.kubeconfigPath,
        ...options,
        // The developer machine's Docker network, as `gefyra up` passes it: Stowaway routes it into the tunnel.
        env: { GEFYRA_OPERATOR_CLUSTER_ROLE: access.name, ...CLIENT_PEER_SUBNET_ENV, ...options.env },
      });
    },
    connectDeveloperMachine: async (ports) => {
      const secret = await admin()
        .makeApiClient(CoreV1Api)
        .readNamespacedSecret({ namespace: OPERATOR_NAMESPACE, name: 'gefyra-cargo-connection' });
      const connection = Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
      );
      await started().developerMachine.connect(connection, ports);
      await pollUntil(
        "the first WireGuard handshake of the developer's machine",
        async () => ((await started().developerMachine.latestHandshake()) > 0 ? true : undefined),
        {
          timeoutMs: 20_000,
          intervalMs: 100,
        },
      );
    },
    waitForAnswer: async (ip, port, expected, path = '/') => {
      let attempts = 0;
      let last = '';
      await pollUntil(
        `an answer containing "${expected}" from ${ip}:${port}${path}`,
        async () => {
          attempts += 1;
          const answer = await started().httpGet(ip, port, path);
          last = answer.exitCode === 0 ? answer.stdout : `exit ${answer.exitCode}: ${answer.stderr}`;
          return answer.exitCode === 0 && answer.stdout.includes(expected) ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      ).catch(async (error: unknown) => {
        throw new Error(`${String(error)}; last answer: ${last.trim()}\n${await started().describe()}`);
      });
      return attempts;
    },
    stowawayPod: async () => {
      const pods = await admin()
        .makeApiClient(CoreV1Api)
        .listNamespacedPod({ namespace: OPERATOR_NAMESPACE, labelSelector: 'app=stowaway' });
      const serving = pods.items.find(
        (pod) => pod.metadata?.deletionTimestamp === undefined && pod.status?.phase === 'Running',
      );
      if (serving === undefined) throw new Error('no Stowaway pod is running');
      return serving;
    },
  };
}
