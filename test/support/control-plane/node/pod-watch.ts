import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';

export interface PodWatchHandlers {
  readonly onChange: (pod: V1Pod) => void;
  readonly onDelete: (pod: V1Pod) => void;
}

/**
 * Lists and watches the pods bound to one node (field selector
 * `spec.nodeName`), keeping a cache. client-node's ListWatch restarts by
 * itself only after 410 Gone and timeouts; after any other error it stops, so
 * this restarts it after a pause, for as long as the watch is not stopped.
 */
export class PodWatch {
  readonly #informer: ListWatch<V1Pod>;
  #stopped = false;
  #restartTimer: NodeJS.Timeout | undefined;

  constructor(kubeConfig: KubeConfig, nodeName: string, handlers: PodWatchHandlers) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const fieldSelector = `spec.nodeName=${nodeName}`;
    this.#informer = new ListWatch<V1Pod>(
      '/api/v1/pods',
      new Watch(kubeConfig),
      async () => await core.listPodForAllNamespaces({ fieldSelector }),
      false,
      undefined,
      fieldSelector,
    );
    this.#informer.on('add', handlers.onChange);
    this.#informer.on('update', handlers.onChange);
    this.#informer.on('delete', handlers.onDelete);
    this.#informer.on('error', (error: unknown) => {
      if (this.#stopped) return;
      process.stderr.write(`[simulated-kubelet ${nodeName}] pod watch failed, restarting: ${String(error)}\n`);
      this.#restartTimer = setTimeout(() => void this.#informer.start(), 1_000);
      this.#restartTimer.unref();
    });
  }

  /** Resolves once the initial list was delivered and the watch is open. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#informer.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    await this.#informer.stop();
  }

  get(namespace: string, name: string): V1Pod | undefined {
    return this.#informer.get(name, namespace);
  }

  list(): readonly V1Pod[] {
    return this.#informer.list();
  }
}
