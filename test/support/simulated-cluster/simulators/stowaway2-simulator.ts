import { randomBytes } from 'node:crypto';
import type { ExecResult, Manifest } from '../../../../src/ports/cluster-api.port.js';
import { failed, succeeded, type ExecCall, type ExecHandler } from '../../../../src/adapters/in-memory/exec-handler.js';
import type { ConfigMapReader } from './stowaway-simulator.js';
import { generateWireGuardKeyPair, wireGuardPublicKey } from './wireguard-keys.js';
import { type ObservedPod, Stowaway2ProxyRoutes } from './stowaway2-proxy-routes.js';

/** A peer of the running interface, as `wg` knows it. */
export interface LivePeer {
  readonly publicKey: string;
  readonly presharedKey: string;
  readonly allowedIps: readonly string[];
  /** Set once the client has shaken hands (see `connect`). */
  readonly endpoint?: string;
  readonly latestHandshake?: string;
  readonly transfer?: string;
}

/** One container instance of Stowaway: its WireGuard interface and routes, lost when it restarts. */
interface Instance {
  readonly containerID: string;
  readonly privateKey: string;
  readonly peers: Map<string, LivePeer>;
  readonly routes: Set<string>;
}

export interface Stowaway2SimulatorOptions {
  /** Reads `gefyra-stowaway-config`: the environment a starting container gets (envFrom). */
  readonly readConfigMap: ConfigMapReader;
  readonly configMap?: string;
  /** The route ConfigMap the pod mounts at /stowaway/proxyroutes. */
  readonly routesConfigMap?: string;
}

const CONFIG = '/config';
const ADD = 'gefyra-peer-add';
const REMOVE = 'gefyra-peer-remove';

/**
 * Gefyra 2.5's Stowaway image (a linuxserver/wireguard derivative) as exec
 * answers, for pods labelled `gefyra.dev/app=stowaway`, container `stowaway`.
 * `/config` is the pod's volume claim: its files outlive the container and
 * the pod. Each new container instance runs the image's init first: it
 * regenerates the peer files and `wg0.conf` only when `wg0.conf` is missing
 * or PEERS, SERVERPORT, PEERDNS or INTERNAL_SUBNET differ from
 * `.donoteditthisfile` (keys and addresses are reused; a new peer gets the
 * first free .2–.254; a numeric id is `peer<N>`, an alphanumeric one
 * `peer_<id>`, others are skipped), then brings `wg0` up from `wg0.conf`.
 * Knows `cat`, `rm -rf`, `wg`, `wg show wg0 dump`, and the operator's two
 * peer scripts (by their `$0`), whose effects it applies as the scripts do.
 * Routes are served as the image serves them (Stowaway2ProxyRoutes): feed
 * it the pod's watch events (`podObserved`, or `observe` on a cluster), as
 * the kubelet refreshes the mounted route ConfigMap only when it syncs the pod.
 */
export class Stowaway2Simulator {
  readonly #readConfigMap: ConfigMapReader;
  readonly #configMap: string;
  /** Files per claim (`<namespace>/<pod>`). */
  readonly #volumes = new Map<string, Map<string, string>>();
  readonly #instances = new Map<string, Instance>();
  readonly #proxyRoutes: Stowaway2ProxyRoutes;
  #observations: Promise<void> = Promise.resolve();
  #regenerations = 0;
  #boots = 0;

  constructor(options: Stowaway2SimulatorOptions) {
    this.#readConfigMap = options.readConfigMap;
    this.#configMap = options.configMap ?? 'gefyra-stowaway-config';
    this.#proxyRoutes = new Stowaway2ProxyRoutes(
      options.readConfigMap,
      options.routesConfigMap ?? 'gefyra-stowaway-proxyroutes',
    );
  }

  /** The kubelet sees a pod change (a watch event); Stowaway's pods are synced in order. */
  podObserved(pod: ObservedPod): void {
    if (pod.metadata?.labels?.['gefyra.dev/app'] !== 'stowaway') return;
    this.#observations = this.#observations.then(() => this.#proxyRoutes.observe(pod));
  }

  /** Feeds every Pod event of a cluster's watch to podObserved; returns the unsubscribe. */
  observe(cluster: { subscribe(listener: (event: { readonly object: Manifest }) => void): () => void }): () => void {
    return cluster.subscribe((event) => {
      if (event.object.kind === 'Pod') this.podObserved(event.object);
    });
  }

  /** Resolves once every observed pod change has been synced. */
  async settled(): Promise<void> {
    await this.#observations;
  }

  /** Proxy port → upstream, as the pod's nginx serves it now. */
  servedRoutes(namespace: string, pod: string): ReadonlyMap<number, string> {
    return this.#proxyRoutes.served(namespace, pod);
  }

  /** The route ConfigMap as the pod's volume shows it now. */
  mountedRoutes(namespace: string, pod: string): Readonly<Record<string, string>> {
    return this.#proxyRoutes.mounted(namespace, pod);
  }

  /** nginx's errors and the route watcher's lines. */
  routesLog(namespace: string, pod: string): readonly string[] {
    return this.#proxyRoutes.log(namespace, pod);
  }

  /** How often nginx took a new route configuration in the pod's current container. */
  routeReloads(namespace: string, pod: string): number {
    return this.#proxyRoutes.reloads(namespace, pod);
  }

  readonly handle: ExecHandler = (call) => {
    if (call.podObject.labels['gefyra.dev/app'] !== 'stowaway' || call.container !== 'stowaway') return undefined;
    return this.#answer(call);
  };

  /** How often an init regenerated the configuration (a restart that reuses it does not count). */
  get regenerations(): number {
    return this.#regenerations;
  }

  /** Container instances that ran the init. */
  get boots(): number {
    return this.#boots;
  }

  /** A copy of the pod's `/config`. */
  files(namespace: string, pod: string): ReadonlyMap<string, string> {
    return new Map(this.#volume(namespace, pod));
  }

  /** The running interface's peers, by public key (empty before the first exec into a new instance). */
  livePeers(namespace: string, pod: string): ReadonlyMap<string, LivePeer> {
    return new Map(this.#instances.get(`${namespace}/${pod}`)?.peers ?? []);
  }

  routes(namespace: string, pod: string): ReadonlySet<string> {
    return new Set(this.#instances.get(`${namespace}/${pod}`)?.routes ?? []);
  }

  /** The client with this public key shakes hands with the running interface. False when the interface has no such peer. */
  connect(namespace: string, pod: string, publicKey: string, endpoint = '203.0.113.20:51820'): boolean {
    const instance = this.#instances.get(`${namespace}/${pod}`);
    const peer = instance?.peers.get(publicKey);
    if (!instance || !peer) return false;
    instance.peers.set(publicKey, {
      ...peer,
      endpoint,
      latestHandshake: '3 seconds ago',
      transfer: '1.21 KiB received, 2.40 KiB sent',
    });
    return true;
  }

  async #answer(call: ExecCall): Promise<ExecResult | undefined> {
    const instance = await this.#instanceFor(call);
    const files = this.#volume(call.namespace, call.pod);
    const routes = await this.#proxyRoutes.exec(call.namespace, call.pod, instance.containerID, call.command);
    if (routes) return routes;
    const [program, ...args] = call.command;
    if (program === 'cat' && args.length === 1 && args[0]) {
      const content = files.get(args[0]);
      return content === undefined ? failed(1, `cat: ${args[0]}: No such file or directory\n`) : succeeded(content);
    }
    if (program === 'rm' && args[0] === '-rf' && args.length === 2 && args[1]) {
      removeTree(files, args[1]);
      return succeeded();
    }
    if (program === 'wg' && (args.length === 0 || args.join(' ') === 'show')) return succeeded(renderWg(instance));
    if (program === 'wg' && args.join(' ') === 'show wg0 dump') return succeeded(renderDump(instance));
    if (program === 'bash' && args[0] === '-c' && args[2] === ADD && args.length === 9)
      return this.#add(files, instance, args.slice(3));
    if (program === 'bash' && args[0] === '-c' && args[2] === REMOVE && args.length === 5)
      return this.#remove(files, instance, args.slice(3));
    return undefined;
  }

  /** The add script's effects: keys kept or made, peer file, wg0.conf block, ORIG_PEERS, `wg set`, routes. */
  #add(
    files: Map<string, string>,
    instance: Instance,
    [name = '', address = '', subnet = '', dns = '', endpoint = '', peers = '']: string[],
  ): ExecResult {
    const serverPublic = files.get(`${CONFIG}/server/publickey-server`);
    if (serverPublic === undefined)
      return failed(1, `cat: ${CONFIG}/server/publickey-server: No such file or directory\n`);
    const keys = ensurePeerKeys(files, name);
    files.set(
      `${CONFIG}/${name}/${name}.conf`,
      renderPeerConf({
        address,
        privateKey: keys.privateKey,
        dns,
        serverPublic: serverPublic.trim(),
        presharedKey: keys.presharedKey,
        endpoint,
      }),
    );
    const previous = blockOf(files.get(`${CONFIG}/wg0.conf`) ?? '', name);
    const allowedIps = [`${address}/32`, subnet];
    files.set(
      `${CONFIG}/wg0.conf`,
      dropBlock(files.get(`${CONFIG}/wg0.conf`) ?? '', name) +
        renderServerPeer(name, keys.publicKey, keys.presharedKey, allowedIps),
    );
    setOrigPeers(files, peers);
    if (previous && previous.publicKey !== keys.publicKey) instance.peers.delete(previous.publicKey);
    for (const cidr of previous?.allowedIps ?? []) if (!allowedIps.includes(cidr)) instance.routes.delete(cidr);
    const live = instance.peers.get(keys.publicKey);
    instance.peers.set(keys.publicKey, {
      ...live,
      publicKey: keys.publicKey,
      presharedKey: keys.presharedKey,
      allowedIps,
    });
    for (const cidr of allowedIps) instance.routes.add(cidr);
    return succeeded();
  }

  #remove(files: Map<string, string>, instance: Instance, [name = '', peers = '']: string[]): ExecResult {
    const previous = blockOf(files.get(`${CONFIG}/wg0.conf`) ?? '', name);
    const publicKey = previous?.publicKey ?? files.get(`${CONFIG}/${name}/publickey-${name}`)?.trim();
    files.set(`${CONFIG}/wg0.conf`, dropBlock(files.get(`${CONFIG}/wg0.conf`) ?? '', name));
    removeTree(files, `${CONFIG}/${name}`);
    setOrigPeers(files, peers);
    if (publicKey) instance.peers.delete(publicKey);
    for (const cidr of previous?.allowedIps ?? []) instance.routes.delete(cidr);
    return succeeded();
  }

  #volume(namespace: string, pod: string): Map<string, string> {
    const key = `${namespace}/${pod}`;
    let files = this.#volumes.get(key);
    if (!files) this.#volumes.set(key, (files = new Map()));
    return files;
  }

  /** The current container instance; a new one runs the image's init and `wg-quick up` first. */
  async #instanceFor(call: ExecCall): Promise<Instance> {
    const key = `${call.namespace}/${call.pod}`;
    const containerID =
      call.podObject.containerStatuses.find((status) => status.name === call.container)?.containerID ?? '';
    const known = this.#instances.get(key);
    if (known?.containerID === containerID) return known;
    const environment = (await this.#readConfigMap(call.namespace, this.#configMap)) ?? {};
    const files = this.#volume(call.namespace, call.pod);
    this.#boots++;
    if (needsRegeneration(files, environment)) {
      this.#regenerations++;
      regenerate(files, environment);
    }
    const instance = bringUp(containerID, files);
    this.#instances.set(key, instance);
    return instance;
  }
}

const ORIG_KEYS = {
  PEERS: 'ORIG_PEERS',
  SERVERPORT: 'ORIG_SERVERPORT',
  PEERDNS: 'ORIG_PEERDNS',
  INTERNAL_SUBNET: 'ORIG_INTERFACE',
} as const;

function readOrig(files: ReadonlyMap<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of (files.get(`${CONFIG}/.donoteditthisfile`) ?? '').split('\n')) {
    const match = /^(\w+)="?(.*?)"?$/.exec(line.trim());
    if (match?.[1]) values[match[1]] = match[2] ?? '';
  }
  return values;
}

function needsRegeneration(files: ReadonlyMap<string, string>, environment: Readonly<Record<string, string>>): boolean {
  if (!files.has(`${CONFIG}/wg0.conf`)) return true;
  const orig = readOrig(files);
  return Object.entries(ORIG_KEYS).some(
    ([variable, origKey]) => (environment[variable] ?? '') !== (orig[origKey] ?? ''),
  );
}

/** The image's peer names for PEERS: a number N means peer1..peerN; a list names each (numeric `peer<N>`, alphanumeric `peer_<id>`, others skipped). */
function peerNames(peers: string): string[] {
  if (/^\d+$/.test(peers)) return Array.from({ length: Number(peers) }, (_, index) => `peer${index + 1}`);
  return peers
    .split(',')
    .map((entry) => entry.trim())
    .flatMap((id) => (/^\d+$/.test(id) ? [`peer${id}`] : /^[0-9A-Za-z]+$/.test(id) ? [`peer_${id}`] : []));
}

function regenerate(files: Map<string, string>, environment: Readonly<Record<string, string>>): void {
  const prefix = (environment['INTERNAL_SUBNET'] ?? '192.168.99.0').split('.').slice(0, 3).join('.');
  const serverPort = environment['SERVERPORT'] ?? '51820';
  const dns =
    environment['PEERDNS'] === 'auto' || environment['PEERDNS'] === undefined ? `${prefix}.1` : environment['PEERDNS'];
  let serverPrivate = files.get(`${CONFIG}/server/privatekey-server`)?.trim();
  if (!serverPrivate) {
    serverPrivate = generateWireGuardKeyPair().privateKey;
    files.set(`${CONFIG}/server/privatekey-server`, `${serverPrivate}\n`);
  }
  const serverPublic = wireGuardPublicKey(serverPrivate);
  files.set(`${CONFIG}/server/publickey-server`, `${serverPublic}\n`);
  let wg0 = `[Interface]\nAddress = ${prefix}.1\nListenPort = 51820\nPrivateKey = ${serverPrivate}\n\n`;
  const used = new Set<string>();
  const names = peerNames(environment['PEERS'] ?? '');
  const addresses = new Map<string, string>();
  for (const name of names) {
    const kept = /^Address = (\S+)/m.exec(files.get(`${CONFIG}/${name}/${name}.conf`) ?? '')?.[1];
    if (kept?.startsWith(`${prefix}.`) && !used.has(kept)) {
      used.add(kept);
      addresses.set(name, kept);
    }
  }
  for (const name of names) {
    let address = addresses.get(name);
    if (!address) {
      for (let host = 2; host <= 254 && !address; host++)
        if (!used.has(`${prefix}.${host}`)) address = `${prefix}.${host}`;
      if (!address) continue;
      used.add(address);
    }
    const keys = ensurePeerKeys(files, name);
    const subnet = environment[`SERVER_ALLOWEDIPS_PEER_${name.replace(/^peer_?/, '')}`];
    const allowedIps = [`${address}/32`, ...(subnet ? [subnet] : [])];
    files.set(
      `${CONFIG}/${name}/${name}.conf`,
      renderPeerConf({
        address,
        privateKey: keys.privateKey,
        dns,
        serverPublic,
        presharedKey: keys.presharedKey,
        endpoint: `${environment['SERVERURL'] ?? ''}:${serverPort}`,
      }),
    );
    wg0 += renderServerPeer(name, keys.publicKey, keys.presharedKey, allowedIps);
  }
  files.set(`${CONFIG}/wg0.conf`, wg0);
  files.set(
    `${CONFIG}/.donoteditthisfile`,
    Object.entries(ORIG_KEYS)
      .map(([variable, origKey]) => `${origKey}="${environment[variable] ?? ''}"\n`)
      .join(''),
  );
}

function ensurePeerKeys(
  files: Map<string, string>,
  name: string,
): { privateKey: string; publicKey: string; presharedKey: string } {
  const dir = `${CONFIG}/${name}`;
  let privateKey = files.get(`${dir}/privatekey-${name}`)?.trim();
  if (!privateKey) {
    privateKey = generateWireGuardKeyPair().privateKey;
    files.set(`${dir}/privatekey-${name}`, `${privateKey}\n`);
  }
  const publicKey = wireGuardPublicKey(privateKey);
  files.set(`${dir}/publickey-${name}`, `${publicKey}\n`);
  let presharedKey = files.get(`${dir}/presharedkey-${name}`)?.trim();
  if (!presharedKey) {
    presharedKey = randomBytes(32).toString('base64');
    files.set(`${dir}/presharedkey-${name}`, `${presharedKey}\n`);
  }
  return { privateKey, publicKey, presharedKey };
}

function bringUp(containerID: string, files: ReadonlyMap<string, string>): Instance {
  const wg0 = files.get(`${CONFIG}/wg0.conf`) ?? '';
  const privateKey = /^PrivateKey = (\S+)/m.exec(wg0)?.[1] ?? '';
  const instance: Instance = { containerID, privateKey, peers: new Map(), routes: new Set() };
  for (const block of wg0.split('[Peer]').slice(1)) {
    const publicKey = /^PublicKey = (\S+)/m.exec(block)?.[1];
    const presharedKey = /^PresharedKey = (\S+)/m.exec(block)?.[1] ?? '';
    const allowedIps = (/^AllowedIPs = (\S+)/m.exec(block)?.[1] ?? '').split(',').filter((cidr) => cidr !== '');
    if (!publicKey) continue;
    instance.peers.set(publicKey, { publicKey, presharedKey, allowedIps });
    for (const cidr of allowedIps) instance.routes.add(cidr);
  }
  return instance;
}

function renderPeerConf(peer: {
  address: string;
  privateKey: string;
  dns: string;
  serverPublic: string;
  presharedKey: string;
  endpoint: string;
}): string {
  return [
    '[Interface]',
    `Address = ${peer.address}`,
    `PrivateKey = ${peer.privateKey}`,
    'ListenPort = 51820',
    `DNS = ${peer.dns}`,
    '',
    '[Peer]',
    `PublicKey = ${peer.serverPublic}`,
    `PresharedKey = ${peer.presharedKey}`,
    `Endpoint = ${peer.endpoint}`,
    'AllowedIPs = 0.0.0.0/0',
    '',
  ].join('\n');
}

function renderServerPeer(
  name: string,
  publicKey: string,
  presharedKey: string,
  allowedIps: readonly string[],
): string {
  return `[Peer]\n# ${name}\nPublicKey = ${publicKey}\nPresharedKey = ${presharedKey}\nAllowedIPs = ${allowedIps.join(',')}\n\n`;
}

/** wg0.conf split at its section headers; a peer's block names it in its first comment. */
function blocks(wg0: string): string[] {
  return wg0.split(/(?=^\[)/m).filter((block) => block !== '');
}

function dropBlock(wg0: string, name: string): string {
  return blocks(wg0)
    .filter((block) => !block.split('\n').includes(`# ${name}`))
    .join('');
}

function blockOf(wg0: string, name: string): { publicKey: string; allowedIps: string[] } | undefined {
  const block = blocks(wg0).find((candidate) => candidate.split('\n').includes(`# ${name}`));
  if (!block) return undefined;
  return {
    publicKey: /^PublicKey = (\S+)/m.exec(block)?.[1] ?? '',
    allowedIps: (/^AllowedIPs = (\S+)/m.exec(block)?.[1] ?? '').split(',').filter((cidr) => cidr !== ''),
  };
}

function setOrigPeers(files: Map<string, string>, peers: string): void {
  const path = `${CONFIG}/.donoteditthisfile`;
  const lines = (files.get(path) ?? '').split('\n').filter((line) => line !== '');
  const index = lines.findIndex((line) => line.startsWith('ORIG_PEERS='));
  if (index >= 0) lines[index] = `ORIG_PEERS="${peers}"`;
  else lines.push(`ORIG_PEERS="${peers}"`);
  files.set(path, `${lines.join('\n')}\n`);
}

function removeTree(files: Map<string, string>, path: string): void {
  const target = path.replace(/\/+$/, '');
  for (const file of [...files.keys()]) if (file === target || file.startsWith(`${target}/`)) files.delete(file);
}

function renderWg(instance: Instance): string {
  const lines = [
    'interface: wg0',
    `  public key: ${instance.privateKey ? wireGuardPublicKey(instance.privateKey) : '(none)'}`,
    '  private key: (hidden)',
    '  listening port: 51820',
    '',
  ];
  for (const peer of instance.peers.values()) {
    lines.push(`peer: ${peer.publicKey}`, '  preshared key: (hidden)');
    if (peer.endpoint) lines.push(`  endpoint: ${peer.endpoint}`);
    lines.push(`  allowed ips: ${peer.allowedIps.length === 0 ? '(none)' : peer.allowedIps.join(', ')}`);
    if (peer.latestHandshake) lines.push(`  latest handshake: ${peer.latestHandshake}`);
    if (peer.transfer) lines.push(`  transfer: ${peer.transfer}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

function renderDump(instance: Instance): string {
  const server = instance.privateKey ? wireGuardPublicKey(instance.privateKey) : '(none)';
  const lines = [`${instance.privateKey}\t${server}\t51820\toff`];
  for (const peer of instance.peers.values()) {
    const handshake = peer.latestHandshake ? '1700000000' : '0';
    lines.push(
      [
        peer.publicKey,
        peer.presharedKey,
        peer.endpoint ?? '(none)',
        peer.allowedIps.join(',') || '(none)',
        handshake,
        '0',
        '0',
        'off',
      ].join('\t'),
    );
  }
  return `${lines.join('\n')}\n`;
}
