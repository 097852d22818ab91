import { KeyInbox, type Controller, type ControllerWatch } from '../../../adapters/runtime/controller.js';
import type { WatchEvent } from '../../../adapters/runtime/watch-source.js';
import { chooseCarrier } from '../../../domain/intercept/carrier-choice.js';
import type { CarrierInstaller } from '../../../ports/carrier-installer.port.js';
import { toDomainPod } from '../../../adapters/kubernetes/shapes/pod-mapping.js';
import { BRIDGE_MOUNT_LABEL } from '../domain/admission/bridge-parameters.js';
import { GEFYRA_BRIDGE_KIND } from '../domain/bridge/gefyra-bridge.js';
import { GEFYRA2_OBJECT_API_VERSION } from '../domain/gefyra2-object.js';
import { GEFYRA_BRIDGE_MOUNT_KIND } from '../domain/mount/bridge-mount.js';
import type { MountService } from '../domain/mount/mount-service.js';

/**
 * The GefyraBridgeMount controller: a mount's own changes wake it; a change
 * of one of its bridges wakes it (carrier2's configuration is rebuilt from
 * all of them); a pod carrying the mount's carrier wakes it when it changes
 * (restarted: its configuration is lost; deleted with its workload: MISSING).
 * Everything else (a shadow getting ready, a new original pod) the service
 * looks at again when it asks to be requeued.
 */
export class GefyraBridgeMountController implements Controller<string> {
  readonly name = 'gefyrabridgemount';
  readonly startsWhen = 'leading';
  readonly queue = new KeyInbox<string>();
  readonly watches: readonly ControllerWatch<string>[];
  readonly #service: MountService;
  readonly #namespace: string;
  readonly #mounts = new Map<string, string>();

  constructor(service: MountService, namespace: string, installers: readonly CarrierInstaller[]) {
    this.#service = service;
    this.#namespace = namespace;
    const carrier = chooseCarrier(installers, 'GefyraBridgeMount', undefined);
    this.watches = [
      {
        spec: { apiVersion: GEFYRA2_OBJECT_API_VERSION, kind: GEFYRA_BRIDGE_MOUNT_KIND, namespace },
        keysOf: (event) => this.#onMount(event),
      },
      {
        spec: { apiVersion: GEFYRA2_OBJECT_API_VERSION, kind: GEFYRA_BRIDGE_KIND, namespace },
        keysOf: (event) => {
          const mount = event.object.metadata.labels?.[BRIDGE_MOUNT_LABEL];
          return mount === undefined ? [] : [mount];
        },
      },
      ...(carrier === undefined
        ? []
        : [
            {
              spec: { apiVersion: 'v1', kind: 'Pod', labels: carrier.podLabels },
              keysOf: (event: WatchEvent) => this.#onCarrierPod(event, carrier),
            },
          ]),
    ];
  }

  identify(key: string): string {
    return key;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<{ requeueAfterMs?: number } | void> {
    const result = await this.#service.reconcile({ namespace: this.#namespace, name: key }, signal);
    return result.done ? undefined : { requeueAfterMs: result.requeueAfterMs };
  }

  #onMount(event: WatchEvent): readonly string[] {
    const { name, uid } = event.object.metadata;
    if (event.type === 'DELETED') this.#mounts.delete(uid ?? '');
    else this.#mounts.set(uid ?? '', name);
    return [name];
  }

  /** The mounts whose carrier the pod carries (the carrier records its owner's uid and name on the pod). */
  #onCarrierPod(event: WatchEvent, carrier: CarrierInstaller): readonly string[] {
    return carrier
      .ownersOf(toDomainPod(event.object))
      .flatMap((owner) => (this.#mounts.get(owner.uid) === owner.request ? [owner.request] : []));
  }
}
