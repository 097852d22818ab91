import type { BootService } from '../../../domain/boot/boot-service.js';
import { OPERATOR_DEPLOYMENT } from '../../../domain/boot/operator-events.js';
import { DomainError } from '../../../domain/errors.js';
import { MANAGED_BY_LABELS } from '../../../gefyra-release.js';
import type { Manifest } from '../../../ports/cluster-api.port.js';
import type { Logger } from '../../../ports/logger.port.js';
import type { TunnelRouter } from '../../../ports/tunnel-provider.port.js';
import { KeyInbox, type Controller, type ControllerWatch, type Reconciled } from '../controller.js';
import type { RuntimeAccess } from '../manager.js';
import type { OperatorPhase } from '../operator-phase.js';
import { hasLabels, type WatchEvent, type WatchSpec } from '../watch-source.js';

/** The installation is one piece of work: there is one key. */
export type InstallationKey = 'installation';
const INSTALLATION: InstallationKey = 'installation';

/** Without a watch on the tunnel's objects, how often a booted operator looks whether the tunnel restarted. */
export const UNWATCHED_TUNNEL_CHECK_MS = 10_000;

export interface InstallationControllerDependencies {
  readonly namespace: string;
  readonly boot: BootService;
  readonly tunnel: Pick<TunnelRouter, 'proxyOwnerOf'>;
  /** The tunnel's own objects (its pods, its workload), contributed by the tunnel plugin. */
  readonly tunnelWatches: readonly WatchSpec[];
  readonly phase: OperatorPhase;
  readonly access: RuntimeAccess;
  readonly logger: Logger;
}

/**
 * The init phase, reconciled until the installation is ready (then the
 * controllers that serve it start), and again whenever the tunnel's objects
 * change or someone else changes what the operator installed (drift: its
 * Deployments, Services, connection Secret). Ready while the installation is.
 */
export class InstallationController implements Controller<InstallationKey> {
  readonly name = 'boot';
  readonly startsWhen = 'leading';
  readonly queue = new KeyInbox<InstallationKey>();
  readonly initialKeys = [INSTALLATION];
  readonly watches: readonly ControllerWatch<InstallationKey>[];
  readonly #deps: InstallationControllerDependencies;
  readonly #log: Logger;
  /** What tells of the tunnel's changes: without a watch on all of it, waits are rechecked sooner. */
  readonly #tunnelSpecs: readonly WatchSpec[];

  constructor(dependencies: InstallationControllerDependencies) {
    this.#deps = dependencies;
    this.#log = dependencies.logger;
    const { namespace } = dependencies;
    const unwatched = { everyMs: UNWATCHED_TUNNEL_CHECK_MS, keys: () => [INSTALLATION] };
    const deployments: WatchSpec = { apiVersion: 'apps/v1', kind: 'Deployment', namespace };
    this.#tunnelSpecs = [deployments, ...dependencies.tunnelWatches];
    this.watches = [
      {
        spec: deployments,
        keysOf: (event) => {
          // Only what the operator installed: its own Deployment going is a removal (`gefyra down`), not drift.
          const installed =
            event.object.metadata.name !== OPERATOR_DEPLOYMENT &&
            hasLabels(MANAGED_BY_LABELS, event.object.metadata.labels);
          if (installed && (event.type === 'DELETED' || specChanged(event.object))) this.#drifted(event);
          return [INSTALLATION];
        },
        unwatched,
      },
      // Nothing else tells of the tunnel's changes when they cannot be watched: the boot step looks again now and then (it reads, and acts only on a change).
      ...dependencies.tunnelWatches.map((spec) => ({ spec, keysOf: () => [INSTALLATION], unwatched })),
      // Drift of the operator's Services and connection Secret is repaired where it can be watched;
      // under a role without `watch` (the Gefyra client's) a later init pass finds it instead.
      { spec: { apiVersion: 'v1', kind: 'Service', namespace }, keysOf: (event) => this.#onService(event) },
      {
        spec: { apiVersion: 'v1', kind: 'Secret', namespace, labels: MANAGED_BY_LABELS },
        keysOf: (event) => {
          if (event.type === 'ADDED') return [];
          this.#drifted(event);
          return [INSTALLATION];
        },
      },
    ];
  }

  identify(key: InstallationKey): string {
    return key;
  }

  ready(): boolean {
    return this.#deps.phase.installed;
  }

  async reconcile(_key: InstallationKey, signal: AbortSignal): Promise<Reconciled | void> {
    const { boot, phase, access } = this.#deps;
    const outcome = await boot.reconcile(signal);
    switch (outcome.state) {
      case 'ready':
        await phase.markInstalled();
        return;
      case 'waiting':
        this.#log.info({ reason: outcome.reason, detail: outcome.message }, 'init phase waiting');
        return {
          requeueAfterMs: this.#tunnelWatched()
            ? outcome.recheckAfterMs
            : Math.min(outcome.recheckAfterMs, access.recheckMs),
        };
      case 'blocked':
        throw new DomainError('Unavailable', `init phase blocked (${outcome.reason}): ${outcome.message}`, {
          retryable: true,
        });
      case 'resetPending':
        phase.requestReset();
        return;
    }
  }

  /**
   * A Service of the installation changed or deleted: the installation is
   * degraded (/readyz says so) until the init phase has applied it again.
   * Proxy Services are the requests' (the intercept controller's). Additions
   * are the operator's own doing (or a watch starting).
   */
  #onService(event: WatchEvent): InstallationKey[] {
    if (event.type === 'ADDED' || this.#deps.tunnel.proxyOwnerOf(event.object) !== undefined) return [];
    this.#drifted(event);
    return [INSTALLATION];
  }

  #drifted(event: WatchEvent): void {
    const { phase, boot } = this.#deps;
    if (phase.installed) {
      this.#log.warn(
        { kind: event.object.kind, name: event.object.metadata.name, change: event.type },
        'installation changed by someone else; restoring it',
      );
    }
    phase.markDrifted();
    boot.installationChanged();
  }

  #tunnelWatched(): boolean {
    return this.#tunnelSpecs.every((spec) => this.#deps.access.canWatch(spec));
  }
}

/** A Deployment whose spec someone changed: its controller has not observed the new generation yet. */
function specChanged(object: Manifest): boolean {
  const observed = (object['status'] as { observedGeneration?: number } | undefined)?.observedGeneration;
  return object.metadata.generation !== undefined && observed !== undefined && object.metadata.generation > observed;
}
