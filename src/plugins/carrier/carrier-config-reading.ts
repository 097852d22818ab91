import type { CarrierConfiguration, CarrierRoute } from '../../ports/carrier-installer.port.js';

/** Where Carrier's scripts write; reading it is how an exec of unknown outcome is settled. */
export const CARRIER_CONFIG_PATH = '/etc/nginx/nginx.conf';

/**
 * Ends Carrier's nginx and with it the container; the kubelet starts a new
 * instance with the image's clean config. The way out of a config the scripts
 * cannot repair (they only ever append).
 */
export const CARRIER_RESTART_COMMAND: readonly string[] = ['/bin/busybox', 'sh', '-c', 'nginx -s stop'];

/** What the scripts left in Carrier's nginx.conf, as the blocks they write. */
export interface CarrierConfigReading {
  /** By container port: the server of every `upstream stowaway-<port>` block (more than one is broken for good). */
  readonly upstreams: ReadonlyMap<string, readonly string[]>;
  /** The `listen` value of every block setprobe.sh wrote, duplicates included. */
  readonly probeListens: readonly string[];
}

const UPSTREAM_BLOCK = /upstream\s+stowaway-(\S*)\s*\{\s*server\s+([^;]*);\s*\}/g;
const PROBE_BLOCK = /server\s*\{\s*listen\s+([^;]*?)\s+default;\s*location\s+\/\s*\{\s*return\s+200;\s*\}\s*\}/g;

export function readCarrierConfig(text: string): CarrierConfigReading {
  const upstreams = new Map<string, string[]>();
  for (const [, port = '', server = ''] of text.matchAll(UPSTREAM_BLOCK))
    upstreams.set(port, [...(upstreams.get(port) ?? []), server.trim()]);
  const probeListens = [...text.matchAll(PROBE_BLOCK)].map(([, listen = '']) => listen.trim());
  return { upstreams, probeListens };
}

export type CarrierStepState = 'absent' | 'applied';

/** One script run: what it is called in messages and how the config shows it took effect. */
export interface CarrierStep {
  readonly name: string;
  readonly command: readonly string[];
  readonly stateIn: (reading: CarrierConfigReading) => CarrierStepState;
}

export function routeStep(route: CarrierRoute): CarrierStep {
  const upstream = `${route.proxyHost}:${route.proxyPort}`;
  return {
    name: `setroute.sh ${route.containerPort}`,
    command: ['/bin/busybox', 'sh', 'setroute.sh', String(route.containerPort), upstream],
    stateIn: (reading) => (reading.upstreams.has(String(route.containerPort)) ? 'applied' : 'absent'),
  };
}

export function probeStep(port: number): CarrierStep {
  return {
    name: `setprobe.sh ${port}`,
    command: ['/bin/busybox', 'sh', 'setprobe.sh', String(port)],
    stateIn: (reading) => (reading.probeListens.includes(String(port)) ? 'applied' : 'absent'),
  };
}

/**
 * Why this config cannot become the wanted one by adding blocks (the only
 * thing the scripts can do), or undefined when it can: a block written twice
 * (nginx refuses every reload from then on), a route to another upstream or
 * a port that is no longer wanted, a probe on a routed port (nginx cannot
 * bind it and says nothing), a probe port that is not a number.
 */
export function conflictIn(reading: CarrierConfigReading, wanted: CarrierConfiguration): string | undefined {
  const wantedUpstreams = new Map(
    wanted.routes.map((route) => [String(route.containerPort), `${route.proxyHost}:${route.proxyPort}`]),
  );
  for (const [port, servers] of reading.upstreams) {
    if (servers.length > 1) return `upstream stowaway-${port} is written ${servers.length} times`;
    if (wantedUpstreams.get(port) !== servers[0])
      return `port ${port} is routed to ${servers[0] ?? 'nothing'}, not to ${wantedUpstreams.get(port) ?? 'the tunnel any more'}`;
  }
  const wantedProbes = new Set(wanted.probePorts.map(String));
  for (const listen of reading.probeListens) {
    if (reading.probeListens.filter((other) => other === listen).length > 1)
      return `the probe on port ${listen} is written more than once`;
    if (reading.upstreams.has(listen)) return `port ${listen} is both routed and answered as a probe`;
    if (!wantedProbes.has(listen)) return `port ${listen} is answered as a probe, which is no longer wanted`;
  }
  return undefined;
}
