import { mustRun, runCommand } from './host-command.js';

/** Addresses of the fabric; pod IPs come from the node's pool (10.244.0.0/16 by default). */
export const FABRIC = {
  podPrefixLength: 16,
  /** The node's address on the pod bridge: every pod's default gateway (the pool does not reach it in practice). */
  podGateway: '10.244.255.254',
  /** The link to the developer's machine: the node's address there is what a NodePort is reached on. */
  nodeAddress: '172.31.0.1',
  machineAddress: '172.31.0.2',
  machinePrefixLength: 24,
} as const;

const NAME_PREFIX = 'gfdp-';

/** A developer's Docker network: its CIDR, Cargo's address and the app container's in it. */
export interface DockerNetwork {
  readonly subnet: string;
  readonly cargoAddress: string;
  readonly appAddress: string;
}

/**
 * The data plane's network, all of it in network namespaces this harness
 * creates: a "node" namespace holding a bridge that every pod namespace is
 * joined to by a veth pair, and a link to the developer's machine. The host's
 * own namespace never gets an address, a route or a link: every `ip` command
 * here names the namespace it acts in (`ip -n`), and veth pairs are created
 * inside the node namespace with their peer placed straight into the pod's.
 * Names carry this process's PID, so a later run removes what a killed run
 * left behind.
 */
export class NetworkFabric {
  readonly nodeNamespace: string;
  readonly #prefix: string;
  #nextLink = 0;
  #machines = 0;

  private constructor(prefix: string) {
    this.#prefix = prefix;
    this.nodeNamespace = `${prefix}node`;
  }

  static async create(): Promise<NetworkFabric> {
    await removeLeftovers();
    const fabric = new NetworkFabric(`${NAME_PREFIX}${process.pid}-${Math.random().toString(16).slice(2, 6)}-`);
    const node = fabric.nodeNamespace;
    await mustRun('ip', ['netns', 'add', node]);
    await mustRun('ip', ['-n', node, 'link', 'set', 'lo', 'up']);
    await mustRun('ip', ['-n', node, 'link', 'add', 'br0', 'type', 'bridge']);
    await mustRun('ip', ['-n', node, 'addr', 'add', `${FABRIC.podGateway}/${FABRIC.podPrefixLength}`, 'dev', 'br0']);
    await mustRun('ip', ['-n', node, 'link', 'set', 'br0', 'up']);
    return fabric;
  }

  /** A network namespace for one pod, joined to the bridge, with the pod's IP on `eth0`. */
  async attachPod(podIP: string): Promise<string> {
    const link = this.#nextLink++;
    const namespace = `${this.#prefix}p${link}`;
    const nodeSide = `vp${link}`;
    await mustRun('ip', ['netns', 'add', namespace]);
    await mustRun('ip', [
      '-n',
      this.nodeNamespace,
      'link',
      'add',
      nodeSide,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      namespace,
    ]);
    await mustRun('ip', ['-n', this.nodeNamespace, 'link', 'set', nodeSide, 'master', 'br0', 'up']);
    await mustRun('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    await mustRun('ip', ['-n', namespace, 'addr', 'add', `${podIP}/${FABRIC.podPrefixLength}`, 'dev', 'eth0']);
    await mustRun('ip', ['-n', namespace, 'link', 'set', 'eth0', 'up']);
    await mustRun('ip', ['-n', namespace, 'route', 'add', 'default', 'via', FABRIC.podGateway]);
    return namespace;
  }

  /**
   * A developer's machine: its own namespace, linked to the node the way a
   * laptop reaches a cluster's node. Every machine joins one bridge holding the
   * node's address; the first gets `machineAddress`, the next ones the
   * addresses after it (several developers on one cluster).
   */
  async attachMachine(name: string): Promise<string> {
    const index = this.#machines++;
    const namespace = `${this.#prefix}${name}`;
    const nodeSide = `vm${index}`;
    if (index === 0) {
      await mustRun('ip', ['-n', this.nodeNamespace, 'link', 'add', 'mbr0', 'type', 'bridge']);
      await mustRun('ip', [
        '-n',
        this.nodeNamespace,
        'addr',
        'add',
        `${FABRIC.nodeAddress}/${FABRIC.machinePrefixLength}`,
        'dev',
        'mbr0',
      ]);
      await mustRun('ip', ['-n', this.nodeNamespace, 'link', 'set', 'mbr0', 'up']);
    }
    await mustRun('ip', ['netns', 'add', namespace]);
    await mustRun('ip', [
      '-n',
      this.nodeNamespace,
      'link',
      'add',
      nodeSide,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      namespace,
    ]);
    await mustRun('ip', ['-n', this.nodeNamespace, 'link', 'set', nodeSide, 'master', 'mbr0', 'up']);
    await mustRun('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    await mustRun('ip', [
      '-n',
      namespace,
      'addr',
      'add',
      `${machineAddress(index)}/${FABRIC.machinePrefixLength}`,
      'dev',
      'eth0',
    ]);
    await mustRun('ip', ['-n', namespace, 'link', 'set', 'eth0', 'up']);
    return namespace;
  }

  /**
   * The developer's Docker network behind a machine, as `gefyra up` (0.13)
   * and `gefyra connect` (2.x) set it up: Cargo, the WireGuard peer, in the
   * network at `cargoAddress` (here: the machine's own namespace, which
   * forwards between its tunnel and the network), and the app container at
   * `appAddress` in a namespace of its own, its default route pointed at
   * Cargo, as the client's `patchContainerGateway.sh` does. Returns the app
   * container's namespace.
   */
  async attachDockerNetwork(machineNamespace: string, network: DockerNetwork): Promise<string> {
    const namespace = `${machineNamespace}-app`;
    const prefixLength = network.subnet.split('/')[1] ?? '';
    await mustRun('ip', ['netns', 'add', namespace]);
    await mustRun('ip', [
      '-n',
      machineNamespace,
      'link',
      'add',
      'gefyra0',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      namespace,
    ]);
    await mustRun('ip', [
      '-n',
      machineNamespace,
      'addr',
      'add',
      `${network.cargoAddress}/${prefixLength}`,
      'dev',
      'gefyra0',
    ]);
    await mustRun('ip', ['-n', machineNamespace, 'link', 'set', 'gefyra0', 'up']);
    await mustRun('ip', ['netns', 'exec', machineNamespace, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    await mustRun('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    await mustRun('ip', ['-n', namespace, 'addr', 'add', `${network.appAddress}/${prefixLength}`, 'dev', 'eth0']);
    await mustRun('ip', ['-n', namespace, 'link', 'set', 'eth0', 'up']);
    await mustRun('ip', ['-n', namespace, 'route', 'add', 'default', 'via', network.cargoAddress]);
    return namespace;
  }

  /** Adds an address to the node namespace's loopback (a Service's cluster IP that its proxy listens on). */
  async addNodeAddress(ip: string): Promise<void> {
    const result = await runCommand('ip', ['-n', this.nodeNamespace, 'addr', 'add', `${ip}/32`, 'dev', 'lo']);
    if (result.exitCode !== 0 && !/File exists|already assigned/.test(result.stderr))
      throw new Error(`adding ${ip} to the node namespace failed: ${result.stderr.trim()}`);
  }

  /** Removing a namespace removes its end of the veth pair, and with it the other end. */
  async detach(namespace: string): Promise<void> {
    await runCommand('ip', ['netns', 'del', namespace]);
  }

  async destroy(): Promise<void> {
    for (const namespace of await listNamespaces())
      if (namespace.startsWith(this.#prefix)) await runCommand('ip', ['netns', 'del', namespace]);
  }
}

/** The n-th developer's machine's address on the node's link: `machineAddress`, then the ones after it. */
function machineAddress(index: number): string {
  const octets = FABRIC.machineAddress.split('.');
  return [...octets.slice(0, 3), String(Number(octets[3]) + index)].join('.');
}

async function listNamespaces(): Promise<string[]> {
  const listed = await runCommand('ip', ['netns', 'list']);
  return listed.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name !== '');
}

/** Namespaces of runs whose process is gone (killed before it could clean up). */
async function removeLeftovers(): Promise<void> {
  for (const namespace of await listNamespaces()) {
    const pid = /^gfdp-(\d+)-/.exec(namespace)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) await runCommand('ip', ['netns', 'del', namespace]);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
