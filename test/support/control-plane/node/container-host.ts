import type { V1Pod } from '@kubernetes/client-node';
import type { ContainerModel } from '../../simulated-cluster/container-model.js';

/** What the node knows of one pod after a step: its IP and its app containers as they run now. */
export interface HostedPod {
  readonly key: string;
  readonly pod: V1Pod;
  readonly podIP: string;
  readonly containers: readonly ContainerModel[];
  /** Tells the node that a container's main process ended by itself: as a kubelet does, it starts a new instance. */
  readonly containerExited: (container: string) => void;
}

/**
 * Runs real processes for the containers the simulated node reports. Without
 * one, the node only writes statuses (no process ever runs); with one (the
 * data-plane mode, see test/support/control-plane/data-plane), a container the
 * node reports running has processes, and one it restarts gets a fresh
 * instance. The node awaits `sync` before it writes the status, so a container
 * is reported running only once its processes were started.
 */
export interface ContainerHost {
  sync(pod: HostedPod): Promise<void>;
  /** The pod is gone from the node: stop its processes and free what it held. */
  forget(key: string): Promise<void>;
}
