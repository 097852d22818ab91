import type { KubeConfig } from '@kubernetes/client-node';
import { toDomainError } from '../../../domain/errors.js';
import type { Logger } from '../../../ports/logger.port.js';
import type { WatchEvent, WatchSource, WatchSpec, WatchSubscription } from '../../runtime/watch-source.js';
import { KubeHttp } from './kube-http.js';
import { KubernetesObjects } from './kubernetes-objects.js';
import { ListWatchLoop, type BackoffOptions, type Lister, type Watcher } from './list-watch-loop.js';
import { labelSelector } from './served-objects.js';
import { ResourceCatalog } from './resource-catalog.js';
import { streamWatch } from './watch-stream.js';

export interface KubernetesWatchSourceOptions {
  /**
   * How long the server keeps one watch open before ending it (it is then
   * resumed from the last version). Default: random in [300, 600) s per
   * connection, so watches do not reconnect in lockstep.
   */
  readonly watchTimeoutSeconds?: number;
  readonly backoff?: BackoffOptions;
}

/** Extra silence tolerated beyond the server's timeout before a connection counts as dead. */
const IDLE_GRACE_MS = 30_000;

/**
 * WatchSource on the API server: for each spec, a ListWatchLoop whose list
 * and watch are HTTP requests (watch with bookmarks, a server-side timeout
 * and an idle watchdog). Any kind the API serves works, custom ones included.
 */
export class KubernetesWatchSource implements WatchSource {
  readonly #http: KubeHttp;
  readonly #objects: KubernetesObjects;
  readonly #logger: Logger | undefined;
  readonly #options: KubernetesWatchSourceOptions;

  constructor(kubeConfig: KubeConfig, logger?: Logger, options: KubernetesWatchSourceOptions = {}) {
    this.#http = new KubeHttp(kubeConfig);
    // Reads only: the field manager is never sent.
    this.#objects = new KubernetesObjects(this.#http, new ResourceCatalog(this.#http), 'gefyra-operator');
    this.#logger = logger;
    this.#options = options;
  }

  watch(spec: WatchSpec, onEvent: (event: WatchEvent) => void, onError?: (error: unknown) => void): WatchSubscription {
    const logger = this.#logger?.child({ kind: spec.kind, namespace: spec.namespace ?? '*' });
    const reportError =
      onError ?? ((error: unknown) => logger?.warn({ error: toDomainError(error).message }, 'watch failed, retrying'));
    return new ListWatchLoop(this.lister(spec), this.watcher(spec), onEvent, reportError, {
      ...(this.#options.backoff === undefined ? {} : { backoff: this.#options.backoff }),
      ...(logger === undefined ? {} : { logger }),
    });
  }

  /** The list half, for composing a ListWatchLoop by hand (tests of relisting). */
  lister(spec: WatchSpec): Lister {
    return async (signal) => await this.#objects.listPages(spec, spec.namespace, spec.labels, signal);
  }

  /** The watch half: one connection from a resourceVersion. */
  watcher(spec: WatchSpec): Watcher {
    return async (resourceVersion, onEvent, signal) => {
      const target = await this.#objects.target(spec, spec.namespace, undefined, signal);
      const timeoutSeconds = this.#options.watchTimeoutSeconds ?? Math.floor(300 + Math.random() * 300);
      const selector = labelSelector(spec.labels);
      await streamWatch(
        this.#http,
        {
          path: target.path,
          kind: spec,
          resourceVersion,
          ...(selector === undefined ? {} : { labelSelector: selector }),
          timeoutSeconds,
          idleTimeoutMs: timeoutSeconds * 1_000 + IDLE_GRACE_MS,
          action: target.action('watch'),
          signal,
        },
        onEvent,
      );
    };
  }
}
