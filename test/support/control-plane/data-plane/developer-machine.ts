import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContainerInstance } from './container-instance.js';
import type { NetworkFabric } from './network-fabric.js';

const ENTRYPOINT = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'images/cargo/entrypoint.sh'), 'utf8');

/** The Secret `gefyra-cargo-connection` as the operator publishes it: one key per line of the peer file. */
export type CargoConnection = Readonly<Record<string, string>>;

/** What the developer's machine answers on a destination port. */
export function developerBody(port: number): string {
  return `developer's machine: port ${port}`;
}

/**
 * The developer's machine, acting as Cargo: its own network namespace, linked
 * to the node (the way a laptop reaches a cluster's node port), a WireGuard
 * tunnel to Stowaway configured from the connection Secret, and HTTP servers
 * on the destination ports inside the tunnel. `connect` again with a new
 * Secret is what a developer does after Stowaway was replaced (new keys).
 */
export class DeveloperMachine {
  readonly netns: string;
  readonly #workDir: string;
  #cargo: ContainerInstance | undefined;
  #connections = 0;

  private constructor(netns: string, workDir: string) {
    this.netns = netns;
    this.#workDir = workDir;
  }

  static async attach(fabric: NetworkFabric, workDir: string, name = 'laptop'): Promise<DeveloperMachine> {
    const machineDir = name === 'laptop' ? workDir : join(workDir, name);
    await mkdir(machineDir, { recursive: true });
    return new DeveloperMachine(await fabric.attachMachine(name), machineDir);
  }

  /** Brings the tunnel up (replacing any earlier one) and serves HTTP on `ports`. */
  async connect(connection: CargoConnection, ports: readonly number[]): Promise<void> {
    await this.disconnect();
    const value = (key: string): string => {
      const found = connection[key];
      if (found === undefined) throw new Error(`the connection Secret has no ${key}`);
      return found;
    };
    const id = this.#connections++;
    this.#cargo = await ContainerInstance.start({
      root: join(this.#workDir, `cargo-${id}`),
      netns: this.netns,
      image: { files: [{ path: '/entrypoint.sh', content: ENTRYPOINT, executable: true }], entrypoint: ['/bin/bash', '/entrypoint.sh'] },
      env: {
        INTERFACE_PRIVATE_KEY: value('Interface.PrivateKey'),
        INTERFACE_ADDRESS: value('Interface.Address'),
        PEER_PUBLIC_KEY: value('Peer.PublicKey'),
        PEER_ENDPOINT: value('Peer.Endpoint'),
        PEER_ALLOWED_IPS: value('Peer.AllowedIPs'),
        // Gefyra 2's peers have a preshared key; 0.13's connection Secret has none.
        ...(connection['Peer.PresharedKey'] === undefined ? {} : { PEER_PRESHARED_KEY: connection['Peer.PresharedKey'] }),
        SERVE_PORTS: ports.join(' '),
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
    this.#cargo = undefined;
  }
}
