// The local control plane and simulated node, without any vitest import:
// usable from tests, from the CLI and from scripts run with `npx tsx`.
// Test files use ./vitest.js for the hooks around the global setup.
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export { connectToControlPlane, type ControlPlaneAccess, type ControlPlaneEndpoints } from './control-plane-access.js';
export { provisionControlPlane, CONTROL_PLANE_BINARIES, type ProvisionOptions } from './provision.js';
export {
  createServiceAccountCredentials,
  type ServiceAccountCredentialOptions,
  type ServiceAccountCredentials,
} from './service-account-credentials.js';
export { startLocalCluster, type LocalCluster, type LocalClusterOptions } from './local-cluster.js';
export {
  SimulatedNode,
  type SimulatedNodeOptions,
  type StopOptions,
  type WhenPodOptions,
} from './node/simulated-node.js';
export type { ExecHandler, ExecRecord, ExecRequest, ExecResult } from './node/exec-request.js';
export type { ImageMatcher, PodMatcher } from './node/matchers.js';
export type { Undo } from '../simulated-cluster/kubelet-faults.js';
export type { NodeCapacity } from './node/node-registration.js';
export { imageIdOf } from '../simulated-cluster/container-model.js';
export { simulateGefyraComponents, type GefyraComponentOptions, type GefyraComponents } from './gefyra-components.js';
