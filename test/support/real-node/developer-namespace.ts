import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { CLIENT_NETWORK } from '../client-network.js';
import type { CargoConnection } from '../control-plane/data-plane/developer-machine.js';
import { pollUntil } from '../control-plane/polling.js';
import type { RealNode } from './real-node.js';

const run = promisify(execFile);
const CARGO_ENTRYPOINT = fileURLToPath(
  new URL('../control-plane/data-plane/images/cargo/entrypoint.sh', import.meta.url),
);

/** The link between the node and the developer's machine (a laptop reaching the node's address). */
const NODE_SIDE = { link: 'gfdev0', address: '10.201.0.1' } as const;
const MACHINE_SIDE = { link: 'eth0', address: '10.201.0.2' } as const;

export interface DeveloperNamespace {
  /** Seconds since the epoch of the tunnel's latest handshake with Stowaway, 0 for none yet. */
  latestHandshake(): Promise<number>;
  /** Kills every process of the developer's machine; its network namespace and link go with them. */
  stop(): Promise<void>;
}

/** `gefyra-cargo-connection` as the operator wrote it: one key per line of Stowaway's peer file. */
export async function readCargoConnection(kubeConfig: KubeConfig, namespace: string): Promise<CargoConnection> {
  const secret = await kubeConfig
    .makeApiClient(CoreV1Api)
    .readNamespacedSecret({ namespace, name: 'gefyra-cargo-connection' });
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
  );
}

/**
 * The developer's machine next to the real node: a network namespace of its
 * own (and a PID namespace, so that one kill ends it), linked to the node's
 * namespace by a veth pair and routed through it to the node's address, as a
 * laptop reaches a cluster's node port. In it, Cargo's part: the data-plane
 * tier's cargo/entrypoint.sh brings WireGuard up from the connection Secret
 * (Peer.Endpoint: the node's address and Stowaway's NodePort, through
 * kube-proxy), and the app container's address in the client's Docker network
 * (CLIENT_NETWORK.appAddress, the destinationIP a 0.13 client sends) on its
 * loopback, where busybox httpd answers each of `served` with its `body` on its `port`. Everything runs in
 * the node's mount namespace (WireGuard's socket goes to the node's /run) and
 * dies with the node at the latest.
 */
export async function startDeveloperNamespace(
  node: RealNode,
  connection: CargoConnection,
  served: readonly { readonly port: number; readonly body: string }[],
  logPath: string,
): Promise<DeveloperNamespace> {
  const value = (key: string): string => {
    const found = connection[key];
    if (found === undefined) throw new Error(`the connection Secret has no ${key}`);
    return found;
  };
  const www = join(node.logDir, '..', 'developer-www');
  const script = [
    'set -euo pipefail',
    `for _ in $(seq 1 200); do ip link show ${MACHINE_SIDE.link} >/dev/null 2>&1 && break; sleep 0.05; done`,
    'ip link set lo up',
    `ip addr add ${MACHINE_SIDE.address}/30 dev ${MACHINE_SIDE.link}`,
    `ip link set ${MACHINE_SIDE.link} up`,
    `ip route add default via ${NODE_SIDE.address}`,
    `ip addr add ${CLIENT_NETWORK.appAddress}/32 dev lo`,
    ...served.flatMap(({ port }) => [
      `mkdir -p ${www}/${port} && echo "$SERVED_BODY_${port}" > ${www}/${port}/index.html`,
      `busybox httpd -f -p ${CLIENT_NETWORK.appAddress}:${port} -h ${www}/${port} &`,
    ]),
    `bash ${CARGO_ENTRYPOINT} &`,
    'wait',
  ].join('\n');
  const machine = spawn(
    'nsenter',
    [
      '-t',
      String(node.namespacePid),
      '--net',
      '--mount',
      '--pid',
      '--',
      'unshare',
      '--net',
      '--pid',
      '--fork',
      '--kill-child',
      '--',
      'bash',
      '-c',
      script,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...Object.fromEntries(served.map(({ port, body }) => [`SERVED_BODY_${port}`, body])),
        INTERFACE_PRIVATE_KEY: value('Interface.PrivateKey'),
        INTERFACE_ADDRESS: value('Interface.Address'),
        PEER_PUBLIC_KEY: value('Peer.PublicKey'),
        PEER_ENDPOINT: value('Peer.Endpoint'),
        PEER_ALLOWED_IPS: value('Peer.AllowedIPs'),
      },
    },
  );
  const log = createWriteStream(logPath);
  machine.stdout?.pipe(log);
  machine.stderr?.pipe(log);
  // unshare is nsenter's child (entering a PID namespace forks); its network namespace is the machine's.
  const unsharePid = await childOf(machine);
  const stop = async (): Promise<void> => {
    if (machine.exitCode !== null || machine.signalCode !== null) return;
    const exited = new Promise((resolve) => machine.once('exit', resolve));
    // --kill-child: unshare's death kills the namespace's first process, and with it every other.
    process.kill(unsharePid, 'SIGKILL');
    await exited;
  };
  try {
    const inNode = async (...args: string[]): Promise<void> =>
      void (await run('nsenter', ['-t', String(node.namespacePid), '--net', '--', 'ip', ...args]));
    await inNode(
      'link',
      'add',
      NODE_SIDE.link,
      'type',
      'veth',
      'peer',
      'name',
      MACHINE_SIDE.link,
      'netns',
      String(unsharePid),
    );
    await inNode('addr', 'add', `${NODE_SIDE.address}/30`, 'dev', NODE_SIDE.link);
    await inNode('link', 'set', NODE_SIDE.link, 'up');
  } catch (error) {
    await stop();
    throw error;
  }
  const wg = async (...args: string[]): Promise<string> =>
    (await run('nsenter', ['-t', String(unsharePid), '--net', '--mount', '--', 'wg', ...args])).stdout;
  return {
    latestHandshake: async () => {
      const shown = await wg('show', 'wg0', 'latest-handshakes').catch(() => '');
      return Number(shown.trim().split('\t')[1] ?? 0) || 0;
    },
    stop,
  };
}

async function childOf(parent: ChildProcess): Promise<number> {
  return await pollUntil(
    "the developer machine's namespace",
    async () => {
      if (parent.exitCode !== null) throw new Error(`nsenter exited with ${parent.exitCode}`);
      const children = await readFile(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').catch(() => '');
      const pid = Number(children.trim().split(' ')[0]);
      return pid > 0 ? pid : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 20 },
  );
}
