import {
  CoreV1Api,
  ListWatch,
  Watch,
  type KubeConfig,
  type V1Endpoints,
  type V1Service,
} from '@kubernetes/client-node';

/** One port a Service forwards, with the endpoints it forwards to. */
export interface ServicePort {
  readonly protocol: 'TCP' | 'UDP';
  /** The cluster IP and port, or, for a NodePort, the node's address and node port. */
  readonly listen: string;
  readonly backends: readonly string[];
}

/** What the node's Service machinery does now: names to resolve and ports to forward. */
export interface ServiceTable {
  /** `/etc/hosts` lines for every Service. */
  readonly hosts: string;
  readonly clusterIPs: readonly string[];
  readonly ports: readonly ServicePort[];
}

/**
 * Watches Services and Endpoints and turns them into what a node needs to
 * reach them. In a real cluster, CoreDNS answers `<service>.<namespace>.svc.cluster.local`
 * with the Service's cluster IP (or the endpoints' IPs when headless) and
 * kube-proxy rewrites packets to the cluster IP (or a node port) into packets
 * to an endpoint. Here the names go into a hosts file in every container, and
 * the forwarding is a user-space proxy (what kube-proxy's old `userspace`
 * mode was) on the node: see DataPlaneHost.
 */
export class ServiceWatch {
  readonly #services: ListWatch<V1Service>;
  readonly #endpoints: ListWatch<V1Endpoints>;
  readonly #nodeAddress: string;
  readonly #onChange: (table: ServiceTable) => void;
  #stopped = false;

  constructor(kubeConfig: KubeConfig, nodeAddress: string, onChange: (table: ServiceTable) => void) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    this.#nodeAddress = nodeAddress;
    this.#onChange = onChange;
    this.#services = new ListWatch<V1Service>(
      '/api/v1/services',
      new Watch(kubeConfig),
      async () => await core.listServiceForAllNamespaces(),
      false,
    );
    this.#endpoints = new ListWatch<V1Endpoints>(
      '/api/v1/endpoints',
      new Watch(kubeConfig),
      async () => await core.listEndpointsForAllNamespaces(),
      false,
    );
    for (const informer of [this.#services, this.#endpoints] as ListWatch<V1Service | V1Endpoints>[]) {
      for (const event of ['add', 'update', 'delete'] as const) informer.on(event, () => this.#changed());
      informer.on('error', () => {
        if (!this.#stopped) setTimeout(() => void informer.start(), 1_000).unref();
      });
    }
  }

  async start(): Promise<void> {
    await this.#services.start();
    await this.#endpoints.start();
    this.#changed();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#services.stop();
    await this.#endpoints.stop();
  }

  table(): ServiceTable {
    const hosts: string[] = [];
    const clusterIPs: string[] = [];
    const ports: ServicePort[] = [];
    for (const service of this.#services.list()) {
      const name = service.metadata?.name ?? '';
      const namespace = service.metadata?.namespace ?? '';
      const endpoints = this.#endpoints.get(name, namespace);
      const addresses = (endpoints?.subsets ?? []).flatMap((subset) =>
        (subset.addresses ?? []).map((address) => address.ip),
      );
      const names = `${name}.${namespace}.svc.cluster.local ${name}.${namespace}.svc ${name}.${namespace}`;
      const clusterIP = service.spec?.clusterIP;
      if (clusterIP === undefined || clusterIP === 'None') {
        for (const ip of addresses) hosts.push(`${ip} ${names}`);
        continue;
      }
      hosts.push(`${clusterIP} ${names}`);
      clusterIPs.push(clusterIP);
      for (const port of service.spec?.ports ?? []) {
        const protocol = port.protocol === 'UDP' ? 'UDP' : 'TCP';
        const targets = (endpoints?.subsets ?? []).flatMap((subset) => {
          const target = (subset.ports ?? []).find((p) => p.name === port.name || (subset.ports ?? []).length === 1);
          return target === undefined ? [] : (subset.addresses ?? []).map((address) => `${address.ip}:${target.port}`);
        });
        ports.push({ protocol, listen: `${clusterIP}:${port.port}`, backends: targets });
        if (port.nodePort !== undefined)
          ports.push({ protocol, listen: `${this.#nodeAddress}:${port.nodePort}`, backends: targets });
      }
    }
    return { hosts: `${hosts.sort().join('\n')}\n`, clusterIPs, ports };
  }

  #changed(): void {
    if (!this.#stopped) this.#onChange(this.table());
  }
}
