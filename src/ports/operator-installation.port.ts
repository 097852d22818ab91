/**
 * OperatorInstallation: the operator's own footprint (its Deployment,
 * ServiceAccount, RBAC, the CRD and its namespace), removed as the last step
 * of a reset. Ordinary shutdowns never touch it.
 */
export interface OperatorInstallation {
  /**
   * Makes sure the InterceptRequest CRD is registered: nothing to do when it
   * is (installed with the manifests); created when absent, which needs the
   * privilege to create CRDs (Forbidden otherwise, with what to apply).
   */
  ensureRegistered(signal: AbortSignal): Promise<void>;
  /** Removes everything the operator's installation created, itself included. */
  uninstall(signal: AbortSignal): Promise<void>;
  /**
   * Whether the operator is being removed (`gefyra down`, `kubectl delete`),
   * not restarted: its own Deployment, seen at registration, is gone or being
   * deleted. Never true for an operator that runs without a Deployment.
   */
  beingRemoved(signal: AbortSignal): Promise<boolean>;
  /** Removes the cluster-wide objects the operator registered itself (the CRD, when it created it); those of a manifest stay. */
  unregister(signal: AbortSignal): Promise<void>;
}
