// The local control plane and simulated node, without any vitest import:
// usable from tests, from the CLI and from scripts run with `npx tsx`.
// Test files use ./vitest.js for the hooks around the global setup.
export { startControlPlane, type ControlPlane } from './control-plane.js';
export { type ControlPlaneAccess } from './control-plane-access.js';
export { SimulatedNode, type SimulatedNodeOptions } from './node/simulated-node.js';
export type { ExecHandler, ExecRequest } from './node/exec-request.js';
export type { Undo } from '../simulated-cluster/kubelet-faults.js';
export { imageIdOf } from '../simulated-cluster/container-model.js';
export { simulateGefyraComponents, type GefyraComponents } from './gefyra-components.js';
