import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ContainerHost } from '../node/container-host.js';
import type { ExecHandler } from '../node/exec-request.js';
import { DataPlaneHost } from './data-plane-host.js';
import { DeveloperMachine } from './developer-machine.js';
import { runCommand, type CommandResult } from './host-command.js';
import { FABRIC, NetworkFabric, type DockerNetwork } from './network-fabric.js';
import { CLIENT_NETWORK } from '../../client-network.js';
import { NodeServiceProxy } from './node-service-proxy.js';
import { ServiceWatch, type ServiceTable } from './service-watch.js';

export interface DataPlaneOptions {
  /** The node's credentials: ConfigMaps for volumes, Services and Endpoints. */
  readonly kubeConfig: KubeConfig;
  readonly configMapRefreshMs?: number;
}

/**
 * Everything the data-plane mode of the simulated node needs beside the node
 * itself: the fabric of network namespaces, the container host (give it to the
 * node as `containerHost`, and `execHandler` as its first exec handler), the
 * node's Service proxy and names, and the developer's machine (in the 0.13
 * client's Docker network, CLIENT_NETWORK). All of it lives
 * in network namespaces it creates and a temporary directory; `stop` removes
 * both.
 */
export class DataPlane {
  readonly host: DataPlaneHost;
  readonly developerMachine: DeveloperMachine;
  readonly #fabric: NetworkFabric;
  readonly #workDir: string;
  readonly #services: ServiceWatch;
  readonly #proxies: readonly NodeServiceProxy[];
  #applied = Promise.resolve();
  readonly #extraMachines: DeveloperMachine[] = [];

  private constructor(parts: {
    fabric: NetworkFabric;
    workDir: string;
    host: DataPlaneHost;
    machine: DeveloperMachine;
    proxies: readonly NodeServiceProxy[];
    kubeConfig: KubeConfig;
  }) {
    this.#fabric = parts.fabric;
    this.#workDir = parts.workDir;
    this.host = parts.host;
    this.developerMachine = parts.machine;
    this.#proxies = parts.proxies;
    this.#services = new ServiceWatch(parts.kubeConfig, FABRIC.nodeAddress, (table) => {
      this.#applied = this.#applied
        .then(async () => await this.#apply(table))
        .catch((error: unknown) => {
          process.stderr.write(`[data-plane] applying Services failed: ${String(error)}\n`);
        });
    });
  }

  static async start(options: DataPlaneOptions): Promise<DataPlane> {
    const fabric = await NetworkFabric.create();
    const workDir = await mkdtemp(join(tmpdir(), 'gefyra-data-plane-'));
    try {
      const host = new DataPlaneHost({
        fabric,
        workDir,
        kubeConfig: options.kubeConfig,
        ...(options.configMapRefreshMs === undefined ? {} : { configMapRefreshMs: options.configMapRefreshMs }),
      });
      const machine = await DeveloperMachine.attach(fabric, workDir, 'laptop', CLIENT_NETWORK);
      const proxies = [
        await NodeServiceProxy.start(fabric.nodeNamespace, workDir, 'TCP'),
        await NodeServiceProxy.start(fabric.nodeNamespace, workDir, 'UDP'),
      ];
      const plane = new DataPlane({ fabric, workDir, host, machine, proxies, kubeConfig: options.kubeConfig });
      await plane.#services.start();
      return plane;
    } catch (error) {
      await fabric.destroy();
      await rm(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Another developer's machine on the node's link, with its own Docker network (several developers on one cluster); stopped with the plane. */
  async attachDeveloperMachine(name: string, network: DockerNetwork): Promise<DeveloperMachine> {
    const machine = await DeveloperMachine.attach(this.#fabric, this.#workDir, name, network);
    this.#extraMachines.push(machine);
    return machine;
  }

  get containerHost(): ContainerHost {
    return this.host;
  }

  get execHandler(): ExecHandler {
    return this.host.execHandler;
  }

  /** An HTTP GET from the node's namespace (like `curl` on a node); the body, or the failure. */
  async httpGet(ip: string, port: number, path = '/'): Promise<CommandResult> {
    // Not busybox wget's own -T: Debian's busybox 1.35 crashes with it.
    return await runCommand(
      'ip',
      ['netns', 'exec', this.#fabric.nodeNamespace, 'busybox', 'wget', '-q', '-O', '-', `http://${ip}:${port}${path}`],
      { timeoutMs: 5_000 },
    );
  }

  /** What the node's namespace and every pod's show of their addresses and listening sockets: for a failure message. */
  async describe(): Promise<string> {
    const lines: string[] = [];
    const show = async (netns: string): Promise<void> => {
      const addresses = await runCommand('ip', ['-n', netns, '-brief', 'addr']);
      const listening = await runCommand('ip', ['netns', 'exec', netns, 'busybox', 'netstat', '-ltun']);
      lines.push(`${netns}:\n${addresses.stdout}${listening.stdout}`);
    };
    await show(this.#fabric.nodeNamespace);
    for (const netns of this.host.namespaces()) await show(netns);
    return lines.join('\n');
  }

  /** Resolves once every Service change seen so far is applied (names and proxy). */
  async whenServicesApplied(): Promise<void> {
    await this.#applied;
  }

  async stop(): Promise<void> {
    await this.#services.stop();
    await this.#applied;
    await this.host.stop();
    await this.developerMachine.disconnect();
    for (const machine of this.#extraMachines) await machine.disconnect();
    for (const proxy of this.#proxies) await proxy.stop();
    await this.#fabric.destroy();
    // For debugging: the containers' logs stay (their roots are gone already).
    if (process.env['GEFYRA_DATA_PLANE_KEEP'] === '1') process.stderr.write(`[data-plane] kept ${this.#workDir}\n`);
    else await rm(this.#workDir, { recursive: true, force: true });
  }

  async #apply(table: ServiceTable): Promise<void> {
    await this.host.setHosts(table.hosts);
    for (const ip of table.clusterIPs) await this.#fabric.addNodeAddress(ip);
    for (const proxy of this.#proxies) await proxy.apply(table.ports);
  }
}
