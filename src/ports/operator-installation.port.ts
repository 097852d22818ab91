/**
 * OperatorInstallation: the operator's own footprint (its Deployment,
 * ServiceAccount, RBAC, the CRD and its namespace), removed as the last step
 * of a reset. Ordinary shutdowns never touch it.
 */
export interface OperatorInstallation {
  /** Removes everything the operator's installation created, itself included. */
  uninstall(signal: AbortSignal): Promise<void>;
}
