/** One `portMappings` entry of a GefyraBridge: `"<localPort>:<containerPort>"` (the 2.5 client's order, the reverse of 0.13's). */
export interface PortMapping {
  /** Where the developer's container listens, on its `destinationIP`. */
  readonly localPort: number;
  /** The mounted container's port whose requests the bridge takes. */
  readonly containerPort: number;
}

export type ParsedPortMappings =
  { readonly ok: true; readonly mappings: readonly PortMapping[] } | { readonly ok: false; readonly problem: string };

/** Reads `portMappings` strictly: both sides numeric ports, each container port once. */
export function parsePortMappings(value: unknown): ParsedPortMappings {
  if (!Array.isArray(value) || value.length === 0) {
    return { ok: false, problem: 'portMappings must list at least one "<localPort>:<containerPort>"' };
  }
  const mappings: PortMapping[] = [];
  for (const entry of value) {
    const match = typeof entry === 'string' ? /^(\d{1,5}):(\d{1,5})$/.exec(entry) : null;
    const localPort = Number(match?.[1]);
    const containerPort = Number(match?.[2]);
    if (!match || !isPort(localPort) || !isPort(containerPort)) {
      return { ok: false, problem: `portMappings entry ${JSON.stringify(entry)} is not "<localPort>:<containerPort>"` };
    }
    if (mappings.some((mapping) => mapping.containerPort === containerPort)) {
      return { ok: false, problem: `portMappings names container port ${containerPort} twice` };
    }
    mappings.push({ localPort, containerPort });
  }
  return { ok: true, mappings };
}

const isPort = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65_535;
