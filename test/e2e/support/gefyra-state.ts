import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import type { Manifest, ObjectRef } from '../../../src/ports/cluster-api.port.js';
import { waitForObjects } from './cluster-waits.js';
import { OPERATOR_NAMESPACE } from './operator-access.js';

const never = new AbortController().signal;

/** The objects of Gefyra's init phase, by role, in the operator namespace. */
export function componentRefs(namespace: string = OPERATOR_NAMESPACE): Record<string, ObjectRef> {
  const inNamespace = (apiVersion: string, kind: string, name: string): ObjectRef => ({
    apiVersion,
    kind,
    namespace,
    name,
  });
  return {
    deployment: inNamespace('apps/v1', 'Deployment', 'gefyra-stowaway'),
    serviceAccount: inNamespace('v1', 'ServiceAccount', 'gefyra-stowaway'),
    routes: inNamespace('v1', 'ConfigMap', 'gefyra-stowaway-proxyroutes'),
    wireguard: inNamespace('v1', 'Service', 'gefyra-stowaway-wireguard'),
    rsync: inNamespace('v1', 'Service', 'gefyra-stowaway-rsync'),
    connection: inNamespace('v1', 'Secret', 'gefyra-cargo-connection'),
  };
}

/**
 * Reads of what the operator left in the cluster, with the admin's
 * credentials (a test must see everything, not what the operator may).
 */
export class GefyraState {
  readonly #kubeConfig: KubeConfig;
  readonly #api: KubernetesClusterApi;
  readonly #namespace: string;

  constructor(kubeConfig: KubeConfig, namespace: string = OPERATOR_NAMESPACE) {
    this.#kubeConfig = kubeConfig;
    this.#api = new KubernetesClusterApi(kubeConfig, 'gefyra-e2e-admin');
    this.#namespace = namespace;
  }

  get api(): KubernetesClusterApi {
    return this.#api;
  }

  async find(ref: ObjectRef): Promise<Manifest | undefined> {
    return await this.#api.find(ref, never);
  }

  async list(
    kind: { apiVersion: string; kind: string },
    namespace: string | undefined = this.#namespace,
  ): Promise<Manifest[]> {
    return await this.#api.list(kind, namespace, undefined, never);
  }

  /** Each component's resourceVersion (undefined when absent): equal snapshots mean nothing was written. */
  async componentVersions(): Promise<Record<string, string | undefined>> {
    const entries = await Promise.all(
      Object.entries(componentRefs(this.#namespace)).map(
        async ([role, ref]) => [role, (await this.find(ref))?.metadata.resourceVersion] as const,
      ),
    );
    return Object.fromEntries(entries);
  }

  /** The route table Stowaway serves from: key → `<destinationIP>:<destinationPort>,<proxyPort>`. */
  async proxyRoutes(): Promise<Record<string, string>> {
    const configMap = await this.find(componentRefs(this.#namespace)['routes']!);
    return { ...((configMap?.['data'] ?? {}) as Record<string, string>) };
  }

  /** Names of the per-route Services `gefyra-stowaway-proxy-<port>`, sorted. */
  async proxyServices(): Promise<string[]> {
    const services = await this.list({ apiVersion: 'v1', kind: 'Service' });
    return services
      .map((service) => service.metadata.name)
      .filter((name) => name.startsWith('gefyra-stowaway-proxy-'))
      .sort();
  }

  /** The Secret `gefyra-cargo-connection`, decoded. */
  async connectionDetails(): Promise<Record<string, string> | undefined> {
    const secret = await this.find(componentRefs(this.#namespace)['connection']!);
    if (!secret) return undefined;
    const data = (secret['data'] ?? {}) as Record<string, string>;
    return Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]),
    );
  }

  /** The operator's events.k8s.io Events in the operator namespace (or another), oldest first. */
  async events(namespace: string = this.#namespace): Promise<OperatorEventView[]> {
    const events = await this.list({ apiVersion: 'events.k8s.io/v1', kind: 'Event' }, namespace);
    return events.map(eventView).sort((a, b) => a.time.localeCompare(b.time));
  }

  /** core/v1 Events with this reason, as the 0.13 client sees them. */
  async coreEvents(reason: string): Promise<Manifest[]> {
    const events = await this.list({ apiVersion: 'v1', kind: 'Event' });
    return events.filter((event) => event['reason'] === reason);
  }

  /** Waits (watching) for an event the predicate accepts. */
  async waitForEvent(
    predicate: (event: OperatorEventView) => boolean,
    what: string,
    timeoutMs = 30_000,
  ): Promise<OperatorEventView> {
    return await waitForObjects(
      this.#kubeConfig,
      { apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace: this.#namespace },
      (events) => events.map(eventView).find(predicate),
      { what, timeoutMs },
    );
  }
}

/** An Event as the tests compare it. */
export interface OperatorEventView {
  readonly name: string;
  readonly type: string;
  readonly reason: string;
  readonly note: string;
  readonly regarding: { readonly kind?: string; readonly name?: string; readonly namespace?: string };
  readonly reportingController: string;
  readonly reportingInstance: string;
  readonly time: string;
}

function eventView(event: Manifest): OperatorEventView {
  const text = (key: string) => (typeof event[key] === 'string' ? (event[key] as string) : '');
  return {
    name: event.metadata.name,
    type: text('type'),
    reason: text('reason'),
    note: text('note'),
    regarding: (event['regarding'] ?? {}) as OperatorEventView['regarding'],
    reportingController: text('reportingController'),
    reportingInstance: text('reportingInstance'),
    time: text('eventTime') || text('deprecatedLastTimestamp') || event.metadata.creationTimestamp || '',
  };
}
