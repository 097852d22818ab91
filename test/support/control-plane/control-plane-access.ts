import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from './kubeconfig.js';
import {
  createServiceAccountCredentials,
  type ServiceAccountCredentialOptions,
  type ServiceAccountCredentials,
} from './service-account-credentials.js';

/**
 * Plain data describing a running control plane: serialisable, so that
 * vitest's global setup can `provide` it to test workers, which then
 * reconnect with {@link connectToControlPlane}.
 */
export interface ControlPlaneEndpoints {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** kubeconfig of an admin (group system:masters). */
  readonly kubeconfigPath: string;
  /** kubeconfig for simulated kubelets: its own user, so the audit log tells its requests apart. */
  readonly kubeletKubeconfigPath: string;
  /** JSON lines, one audit event per request, level Metadata. */
  readonly auditLogPath: string;
  /** The run's temporary directory (data, certificates, kubeconfigs, logs). */
  readonly workDir: string;
  /** One `<component>.log` per process. */
  readonly logDir: string;
  /** e.g. `v1.20.2` */
  readonly version: string;
}

/** What a test needs from a control plane, whether it started it or was handed its endpoints. */
export interface ControlPlaneAccess extends ControlPlaneEndpoints {
  readonly endpoints: ControlPlaneEndpoints;
  adminKubeConfig(): KubeConfig;
  kubeletKubeConfig(): KubeConfig;
  /** Credentials of an existing ServiceAccount (waits for its token) and a kubeconfig file for them. */
  serviceAccountKubeConfig(
    namespace: string,
    serviceAccountName: string,
    options?: ServiceAccountCredentialOptions,
  ): Promise<ServiceAccountCredentials>;
}

/** Access to a control plane started elsewhere (by the global setup, in another process). */
export function connectToControlPlane(endpoints: ControlPlaneEndpoints): ControlPlaneAccess {
  return {
    ...endpoints,
    endpoints,
    adminKubeConfig: () => loadKubeConfig(endpoints.kubeconfigPath),
    kubeletKubeConfig: () => loadKubeConfig(endpoints.kubeletKubeconfigPath),
    serviceAccountKubeConfig: async (namespace, serviceAccountName, options) =>
      await createServiceAccountCredentials(
        loadKubeConfig(endpoints.kubeconfigPath),
        join(endpoints.workDir, 'kubeconfigs'),
        namespace,
        serviceAccountName,
        options,
      ),
  };
}
