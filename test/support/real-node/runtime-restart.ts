// Shared by real-node.ts and inside-namespace.ts (a script: importing it would run it).

/** The line on the inside process's stdin that restarts the node's kubelet and containerd. */
export const RESTART_RUNTIME_COMMAND = 'restart-runtime';

/** What a restart of the kubelet and containerd took, in seconds from its start. */
export interface RuntimeRestart {
  /** Both stopped (SIGTERM, each within its grace). */
  readonly stoppedSeconds: number;
  /** containerd answering again. */
  readonly containerdSeconds: number;
  /** The kubelet's /healthz answering `ok` again. */
  readonly kubeletHealthySeconds: number;
}
