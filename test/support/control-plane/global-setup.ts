import type { TestProject } from 'vitest/node';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { dataPlaneUnavailableReason } from './data-plane/availability.js';
import './provided-context.js';

let controlPlane: ControlPlane | undefined;

/**
 * Starts one control plane for the whole integration run (building the
 * binaries on first use) and provides its endpoints as `controlPlane`.
 * GEFYRA_CONTROL_PLANE_BIN selects existing binaries (read by the provisioning
 * script); GEFYRA_CONTROL_PLANE_KEEP=1 keeps the work directory with its logs.
 */
export async function setup(project: TestProject): Promise<void> {
  controlPlane = await startControlPlane({ keepWorkDir: process.env['GEFYRA_CONTROL_PLANE_KEEP'] === '1' });
  project.provide('controlPlane', controlPlane.endpoints);
  const unavailable = (await dataPlaneUnavailableReason()) ?? '';
  // One line for the whole run, not one per skipped file.
  if (unavailable !== '')
    process.stdout.write(`[data-plane] the data-plane tests (test/dataplane) are skipped: ${unavailable}\n`);
  project.provide('dataPlaneUnavailable', unavailable);
}

export async function teardown(): Promise<void> {
  await controlPlane?.stop();
  controlPlane = undefined;
}
