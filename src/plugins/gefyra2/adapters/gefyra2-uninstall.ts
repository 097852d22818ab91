import { GEFYRA_FINALIZER } from '../domain/lifecycle.js';
import {
  GEFYRA2_API_VERSION,
  GEFYRA2_CRD_NAMES,
  GEFYRA_BRIDGE_KIND,
  GEFYRA_BRIDGE_MOUNT_KIND,
} from '../install/gefyra2-crds.js';
import { DomainError, isDomainError, toDomainError } from '../../../domain/errors.js';
import { GEFYRA_CLIENT_KIND } from '../domain/client/gefyra-client.js';
import type { ReconcileResult } from '../../../domain/reconcile-result.js';
import type { ClientAccounts } from '../ports/client-accounts.port.js';
import type { Manifest, ObjectApi, ObjectRef } from '../../../ports/cluster-api.port.js';
import type { Logger } from '../../../ports/logger.port.js';
import type { OperatorInstallation } from '../../../ports/operator-installation.port.js';
import type { TunnelProvider } from '../../../ports/tunnel-provider.port.js';
import { CLIENT_CLUSTER_ROLE, clientOfServiceAccount } from './cluster-client-accounts.js';
import { REGISTERED_BY_OPERATOR_ANNOTATION } from '../../../adapters/kubernetes/cluster-stores/cluster-operator-installation.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' } as const;

interface Reconciler {
  reconcile(ref: { namespace: string; name: string }, signal: AbortSignal): Promise<ReconcileResult>;
}

export interface Gefyra2UninstallDependencies {
  readonly objects: ObjectApi;
  /** The GefyraClient reconcile: on a client being deleted it removes the peer and the account, then releases the finalizer. */
  readonly clients: {
    reconcile(ref: { namespace: string; name: string }, signal: AbortSignal): Promise<ReconcileResult>;
  };
  /**
   * The GefyraBridgeMount and GefyraBridge reconciles, when this operator
   * serves them: on one being deleted they undo what it did (the originals
   * restored, the shadow removed; the route removed), then release the
   * finalizer. Without them, bridges and mounts are only deleted.
   */
  readonly mounts?: Reconciler;
  readonly bridges?: Reconciler;
  readonly accounts: ClientAccounts;
  readonly tunnel: TunnelProvider;
  /** The operator's own footprint and, where it has one, the webhook's (their namespace and cluster RBAC). */
  readonly installations: readonly OperatorInstallation[];
  readonly namespace: string;
  /** The ValidatingWebhookConfiguration (`gefyra.dev`). */
  readonly webhookConfiguration: string;
  readonly logger: Logger;
}

export interface Gefyra2UninstallOptions {
  /** Also the CRDs, the webhook configuration, the namespace and the operator's cluster RBAC (`gefyra-operator reset` without `--keep-operator`). */
  readonly removeOperator: boolean;
}

/**
 * Removes a Gefyra 2.x installation and leaves nothing: every GefyraClient
 * deleted and finalized by its own clean-up (peer, ServiceAccount, binding,
 * token) before its finalizer is released, never the other way round (the
 * 2.5 client's uninstall strips finalizers first); mounts and bridges the
 * same way when this operator serves them (originals restored, shadows and
 * routes removed, and only then the finalizer), deleted otherwise; Stowaway 2.x; accounts whose
 * client was removed with `--force`; the `gefyra-client` ClusterRole the
 * operator made; and, when the operator goes too, the CRDs, the webhook
 * configuration, the namespace and the cluster RBAC. Every step is
 * idempotent: an interrupted run is finished by the next.
 */
export class Gefyra2Uninstall {
  readonly #deps: Gefyra2UninstallDependencies;

  constructor(dependencies: Gefyra2UninstallDependencies) {
    this.#deps = dependencies;
  }

  async uninstall(options: Gefyra2UninstallOptions, signal: AbortSignal): Promise<void> {
    const { tunnel, logger } = this.#deps;
    const withoutTunnel = await this.#removeClients(signal);
    await this.#removeMountsAndBridges(signal);
    await tunnel.uninstall(signal);
    // A client whose peer could not be removed because Stowaway was not running: the tunnel is gone now, and its peer with it.
    for (const name of withoutTunnel) await this.#finishWithoutTunnel(name, signal);
    await this.#removeLeftoverAccounts(signal);
    await this.#removeClientRole(options.removeOperator, signal);
    if (options.removeOperator) await this.#removeOperator(signal);
    logger.warn({ removeOperator: options.removeOperator }, 'Gefyra 2 installation removed');
  }

  /** Deletes every client and runs its finalizer's clean-up; returns those whose peer waits for the tunnel's removal. */
  async #removeClients(signal: AbortSignal): Promise<string[]> {
    const { objects, clients, namespace, logger } = this.#deps;
    const withoutTunnel: string[] = [];
    for (const client of await this.#list(GEFYRA_CLIENT_KIND, signal)) {
      const ref = { namespace, name: client.metadata.name };
      await objects.remove({ ...this.#ref(GEFYRA_CLIENT_KIND), name: ref.name }, signal);
      try {
        await clients.reconcile(ref, signal);
      } catch (error) {
        if (!isDomainError(error, 'NotReady')) throw error;
        logger.info(
          { client: ref.name, error: toDomainError(error).message },
          'the tunnel is not running: the peer goes with it',
        );
        withoutTunnel.push(ref.name);
      }
      // Deleted with no finalizer of ours (never reconciled, or `--force` beforehand), the reconcile cleans up after it all the same.
    }
    const left = (await this.#list(GEFYRA_CLIENT_KIND, signal)).filter(
      (client) => !withoutTunnel.includes(client.metadata.name),
    );
    if (left.length > 0) {
      throw new DomainError(
        'Unavailable',
        `GefyraClients not finalized yet: ${left.map((client) => describeFinalizers(client)).join('; ')}`,
        { retryable: true },
      );
    }
    return withoutTunnel;
  }

  async #finishWithoutTunnel(name: string, signal: AbortSignal): Promise<void> {
    const { objects, accounts } = this.#deps;
    await accounts.remove(name, signal);
    const ref = { ...this.#ref(GEFYRA_CLIENT_KIND), name };
    const client = await objects.find(ref, signal, { fresh: true });
    if (client === undefined) return;
    const finalizers = (client.metadata.finalizers ?? []).filter((finalizer) => finalizer !== GEFYRA_FINALIZER);
    await objects.patch(ref, { metadata: { resourceVersion: client.metadata.resourceVersion, finalizers } }, signal);
  }

  /**
   * Mounts first (each one's clean-up restores its originals, removes its
   * shadow and deletes its bridges), then the bridges (each one's route):
   * every finalizer is released by the clean-up it stands for, never before
   * (2.5.4's uninstall strips them first and strands shadows and patched pods).
   */
  async #removeMountsAndBridges(signal: AbortSignal): Promise<void> {
    const { mounts, bridges } = this.#deps;
    const left: string[] = [];
    for (const [kind, reconciler] of [
      [GEFYRA_BRIDGE_MOUNT_KIND, mounts],
      [GEFYRA_BRIDGE_KIND, bridges],
    ] as const) {
      let objects: Manifest[];
      try {
        objects = await this.#list(kind, signal);
      } catch (error) {
        // deploy/gefyra2's operator has no rights on them (it does not serve them): they go with their CRD.
        if (!isDomainError(error, 'Forbidden')) throw error;
        this.#deps.logger.info({ kind }, 'may not list them: left to the removal of their CRD');
        continue;
      }
      for (const object of objects) {
        const name = object.metadata.name;
        await this.#deps.objects.remove({ ...this.#ref(kind), name }, signal);
        await reconciler?.reconcile({ namespace: this.#deps.namespace, name }, signal);
      }
      left.push(...(await this.#list(kind, signal)).map((object) => `${kind} ${describeFinalizers(object)}`));
    }
    if (left.length > 0)
      throw new DomainError('Unavailable', `not deleted yet: ${left.join('; ')}`, { retryable: true });
  }

  /** Accounts of clients that went without their finalizer (`gefyra clients rm --force`, the 2.5 client's uninstall). */
  async #removeLeftoverAccounts(signal: AbortSignal): Promise<void> {
    const { objects, accounts, namespace } = this.#deps;
    const names = new Set<string>();
    for (const account of await objects.list(
      { apiVersion: 'v1', kind: 'ServiceAccount' },
      namespace,
      undefined,
      signal,
    )) {
      const client = clientOfServiceAccount(account.metadata.name);
      if (client !== undefined) names.add(client);
    }
    for (const binding of await this.#clusterRoleBindings(signal)) {
      if ((binding['roleRef'] as { name?: string } | undefined)?.name !== CLIENT_CLUSTER_ROLE) continue;
      for (const subject of (binding['subjects'] ?? []) as { kind?: string; name?: string; namespace?: string }[]) {
        const client =
          subject.kind === 'ServiceAccount' && subject.namespace === namespace
            ? clientOfServiceAccount(subject.name ?? '')
            : undefined;
        if (client !== undefined) names.add(client);
      }
    }
    for (const client of names) await accounts.remove(client, signal);
  }

  /** deploy/gefyra2's account may create and delete bindings, not list them: there, a client's binding goes with its finalizer only. */
  async #clusterRoleBindings(signal: AbortSignal): Promise<Manifest[]> {
    try {
      return await this.#deps.objects.list(
        { apiVersion: RBAC, kind: 'ClusterRoleBinding' },
        undefined,
        undefined,
        signal,
      );
    } catch (error) {
      if (!isDomainError(error, 'Forbidden')) throw error;
      this.#deps.logger.info(
        {},
        'may not list ClusterRoleBindings: bindings of clients removed with --force are left to an administrator',
      );
      return [];
    }
  }

  /** The ClusterRole the developers' accounts are bound to: the operator's when it made it; an install's (deploy/gefyra2) only when the operator goes too. */
  async #removeClientRole(removeOperator: boolean, signal: AbortSignal): Promise<void> {
    const ref = { apiVersion: RBAC, kind: 'ClusterRole', name: CLIENT_CLUSTER_ROLE };
    const role = await this.#deps.objects.find(ref, signal);
    if (role === undefined) return;
    if (removeOperator || role.metadata.annotations?.[REGISTERED_BY_OPERATOR_ANNOTATION] !== undefined)
      await this.#deps.objects.remove(ref, signal);
  }

  async #removeOperator(signal: AbortSignal): Promise<void> {
    const { objects, installations, webhookConfiguration } = this.#deps;
    for (const name of GEFYRA2_CRD_NAMES) await objects.remove({ ...CRD, name }, signal);
    await objects.remove(
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        name: webhookConfiguration,
      },
      signal,
    );
    // The webhook's account first: the operator's own goes with its credentials.
    for (const installation of [...installations].reverse()) await installation.uninstall(signal);
  }

  async #list(kind: string, signal: AbortSignal): Promise<Manifest[]> {
    try {
      return await this.#deps.objects.list(
        { apiVersion: GEFYRA2_API_VERSION, kind },
        this.#deps.namespace,
        undefined,
        signal,
      );
    } catch (error) {
      // The kind is not registered: nothing of it to remove.
      if (isDomainError(error, 'NotFound')) return [];
      throw error;
    }
  }

  #ref(kind: string): Omit<ObjectRef, 'name'> {
    return { apiVersion: GEFYRA2_API_VERSION, kind, namespace: this.#deps.namespace };
  }
}

const describeFinalizers = (object: Manifest): string =>
  `${object.metadata.name} (finalizers: ${(object.metadata.finalizers ?? []).join(', ') || 'none'})`;
