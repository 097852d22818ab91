import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContainerInstance } from './container-instance.js';
import type { DockerNetwork, NetworkFabric } from './network-fabric.js';

const IMAGES = join(dirname(fileURLToPath(import.meta.url)), 'images');
const CARGO_ENTRYPOINT = readFileSync(join(IMAGES, 'cargo/entrypoint.sh'), 'utf8');
const APP_ENTRYPOINT = readFileSync(join(IMAGES, 'app/entrypoint.sh'), 'utf8');

/** The Secret `gefyra-cargo-connection` as the operator publishes it: one key per line of the peer file. */
export type CargoConnection = Readonly<Record<string, string>>;

/** What the developer's machine answers on a destination port. */
export function developerBody(port: number): string {
  return `developer's machine: port ${port}`;
}

/**
 * The developer's machine as the real clients lay it out: its own network
 * namespace, linked to the node (the way a laptop reaches a cluster's node
 * port), acting as Cargo (a WireGuard tunnel to Stowaway configured from the
 * connection details, forwarding into the Docker network), and the app
 * container in that Docker network serving HTTP on the destination ports. A
 * bridge's destinationIP is the app container's address, `network.appAddress`;
 * Stowaway reaches it because it routes the network's subnet (GEFYRA_PEER_SUBNET
 * in 0.13, the client's providerParameter.subnet in 2.x) into the tunnel.
 * `connect` again with new details is what a developer does after Stowaway
 * was replaced (new keys).
 */
export class DeveloperMachine {
  readonly netns: string;
  readonly network: DockerNetwork;
  readonly #appNetns: string;
  readonly #workDir: string;
  #cargo: ContainerInstance | undefined;
  #app: ContainerInstance | undefined;
  #connections = 0;

  private constructor(netns: string, appNetns: string, network: DockerNetwork, workDir: string) {
    this.netns = netns;
    this.#appNetns = appNetns;
    this.network = network;
    this.#workDir = workDir;
  }

  static async attach(
    fabric: NetworkFabric,
    workDir: string,
    name: string,
    network: DockerNetwork,
  ): Promise<DeveloperMachine> {
    const machineDir = name === 'laptop' ? workDir : join(workDir, name);
    await mkdir(machineDir, { recursive: true });
    const netns = await fabric.attachMachine(name);
    return new DeveloperMachine(netns, await fabric.attachDockerNetwork(netns, network), network, machineDir);
  }

  /** Brings the tunnel up (replacing any earlier one) and serves HTTP on `ports` from the app container. */
  async connect(connection: CargoConnection, ports: readonly number[]): Promise<void> {
    await this.disconnect();
    const value = (key: string): string => {
      const found = connection[key];
      if (found === undefined) throw new Error(`the connection Secret has no ${key}`);
      return found;
    };
    const id = this.#connections++;
    this.#app = await ContainerInstance.start({
      root: join(this.#workDir, `app-${id}`),
      netns: this.#appNetns,
      image: {
        files: [{ path: '/entrypoint.sh', content: APP_ENTRYPOINT, executable: true }],
        entrypoint: ['/bin/bash', '/entrypoint.sh'],
      },
      env: { SERVE_PORTS: ports.join(' ') },
      hosts: '127.0.0.1 localhost\n',
      logPath: join(this.#workDir, `app-${id}.log`),
    });
    this.#cargo = await ContainerInstance.start({
      root: join(this.#workDir, `cargo-${id}`),
      netns: this.netns,
      image: {
        files: [{ path: '/entrypoint.sh', content: CARGO_ENTRYPOINT, executable: true }],
        entrypoint: ['/bin/bash', '/entrypoint.sh'],
      },
      env: {
        INTERFACE_PRIVATE_KEY: value('Interface.PrivateKey'),
        INTERFACE_ADDRESS: value('Interface.Address'),
        PEER_PUBLIC_KEY: value('Peer.PublicKey'),
        PEER_ENDPOINT: value('Peer.Endpoint'),
        PEER_ALLOWED_IPS: value('Peer.AllowedIPs'),
        // Gefyra 2's peers have a preshared key; 0.13's connection Secret has none.
        ...(connection['Peer.PresharedKey'] === undefined
          ? {}
          : { PEER_PRESHARED_KEY: connection['Peer.PresharedKey'] }),
      },
      hosts: '127.0.0.1 localhost\n',
      logPath: join(this.#workDir, `cargo-${id}.log`),
    });
  }

  /** Seconds since the epoch of the tunnel's latest handshake, 0 for none yet. */
  async latestHandshake(): Promise<number> {
    if (this.#cargo === undefined) return 0;
    const shown = await this.#cargo.exec(['wg', 'show', 'wg0', 'latest-handshakes']);
    return Number(shown.stdout.trim().split('\t')[1] ?? 0) || 0;
  }

  async disconnect(): Promise<void> {
    await this.#cargo?.stop();
    await this.#app?.stop();
    this.#cargo = undefined;
    this.#app = undefined;
  }
}
