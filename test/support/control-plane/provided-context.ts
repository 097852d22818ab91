import type { ControlPlaneEndpoints } from './control-plane-access.js';

// What the integration global setup hands to test workers through vitest's
// provide/inject: plain data, since the control plane's processes belong to
// the main process.
declare module 'vitest' {
  export interface ProvidedContext {
    controlPlane: ControlPlaneEndpoints;
    /** Why the data-plane tier cannot run here; empty when it can. */
    dataPlaneUnavailable: string;
  }
}
