import { isRecord } from '../../../src/domain/json-reading.js';
import { invalid } from '../../../src/adapters/in-memory/invalid.js';
import type { JsonObject, StoredObject } from '../../../src/adapters/in-memory/stored-object.js';

const NODE_PORT_FIRST = 30000;
const NODE_PORT_LAST = 32767;

/**
 * What the API server's Service registry does on writes: allocate a cluster
 * IP, allocate node ports for NodePort and LoadBalancer services, refuse a node
 * port another Service holds (a 422, "provided port is already allocated"),
 * and keep the allocations when an update leaves them out. Allocation is
 * derived from the stored Services, so it cannot drift from them.
 */
export function allocateServiceFields(
  service: JsonObject,
  live: StoredObject | undefined,
  others: readonly StoredObject[],
  what: string,
): void {
  const spec = ensureSpec(service);
  const liveSpec = live && isRecord(live['spec']) ? live['spec'] : {};
  spec['type'] ??= 'ClusterIP';
  allocateClusterIP(spec, liveSpec, others, what);
  allocateNodePorts(spec, liveSpec, others, what);
}

function ensureSpec(service: JsonObject): JsonObject {
  if (!isRecord(service['spec'])) service['spec'] = {};
  return service['spec'] as JsonObject;
}

function allocateClusterIP(
  spec: JsonObject,
  liveSpec: Readonly<JsonObject>,
  others: readonly StoredObject[],
  what: string,
): void {
  if (spec['type'] === 'ExternalName') return;
  const liveIP = liveSpec['clusterIP'];
  if (spec['clusterIP'] === undefined || spec['clusterIP'] === '') {
    spec['clusterIP'] = typeof liveIP === 'string' ? liveIP : nextClusterIP(others);
    return;
  }
  if (typeof liveIP === 'string' && spec['clusterIP'] !== liveIP) {
    throw invalid(what, 'spec.clusterIP', 'field is immutable');
  }
  if (liveIP === undefined && spec['clusterIP'] !== 'None' && clusterIPsOf(others).has(String(spec['clusterIP']))) {
    throw invalid(what, 'spec.clusterIP', `provided IP is already allocated`);
  }
}

function clusterIPsOf(services: readonly StoredObject[]): Set<string> {
  const ips = new Set<string>();
  for (const service of services) {
    const ip = isRecord(service['spec']) ? service['spec']['clusterIP'] : undefined;
    if (typeof ip === 'string') ips.add(ip);
  }
  return ips;
}

function nextClusterIP(others: readonly StoredObject[]): string {
  const used = clusterIPsOf(others);
  for (let n = 10; n < 65_000; n++) {
    const ip = `10.96.${Math.floor(n / 256)}.${n % 256}`;
    if (!used.has(ip)) return ip;
  }
  throw new Error('in-memory cluster: service IP range exhausted');
}

function allocateNodePorts(
  spec: JsonObject,
  liveSpec: Readonly<JsonObject>,
  others: readonly StoredObject[],
  what: string,
): void {
  const ports = Array.isArray(spec['ports']) ? (spec['ports'].filter(isRecord) as JsonObject[]) : [];
  const withNodePorts = spec['type'] === 'NodePort' || spec['type'] === 'LoadBalancer';
  const used = nodePortsOf(others);
  const livePorts = Array.isArray(liveSpec['ports']) ? liveSpec['ports'].filter(isRecord) : [];
  ports.forEach((port, index) => {
    const field = `spec.ports[${index}].nodePort`;
    if (!withNodePorts) {
      if (port['nodePort'] !== undefined)
        throw invalid(what, field, `may not be used when \`type\` is '${String(spec['type'])}'`);
      return;
    }
    if (port['nodePort'] === undefined) {
      const kept = livePorts.find(
        (old) => old['port'] === port['port'] && (old['protocol'] ?? 'TCP') === (port['protocol'] ?? 'TCP'),
      );
      port['nodePort'] = typeof kept?.['nodePort'] === 'number' ? kept['nodePort'] : nextNodePort(used);
      used.add(port['nodePort'] as number);
      return;
    }
    const nodePort = port['nodePort'];
    if (typeof nodePort !== 'number' || nodePort < NODE_PORT_FIRST || nodePort > NODE_PORT_LAST) {
      throw invalid(
        what,
        field,
        `Invalid value: ${String(nodePort)}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_FIRST}-${NODE_PORT_LAST}`,
      );
    }
    if (used.has(nodePort))
      throw invalid(what, field, `Invalid value: ${nodePort}: provided port is already allocated`);
    used.add(nodePort);
  });
}

function nodePortsOf(services: readonly StoredObject[]): Set<number> {
  const ports = new Set<number>();
  for (const service of services) {
    const list = isRecord(service['spec']) && Array.isArray(service['spec']['ports']) ? service['spec']['ports'] : [];
    for (const port of list) {
      if (isRecord(port) && typeof port['nodePort'] === 'number') ports.add(port['nodePort']);
    }
  }
  return ports;
}

function nextNodePort(used: ReadonlySet<number>): number {
  for (let port = NODE_PORT_FIRST; port <= NODE_PORT_LAST; port++) {
    if (!used.has(port)) return port;
  }
  throw new Error('in-memory cluster: node port range exhausted');
}
