/** One entry of the `gefyra-stowaway-proxyroutes` ConfigMap: Stowaway's nginx listens on proxyPort and forwards to the destination. */
export interface ProxyRoute {
  readonly key: string;
  readonly destinationIP: string;
  readonly destinationPort: number;
  readonly proxyPort: number;
}

const KEY = /^[A-Za-z0-9._-]+$/;
const VALUE = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+),(\d+)$/;

/**
 * Parses the route files the way generate-proxyroutes.sh feeds them to nginx:
 * an entry nginx would reject (a malformed value, a port out of range, a
 * proxy port two routes listen on) comes back as nginx's error message.
 */
export function parseProxyRoutes(
  entries: Readonly<Record<string, string>>,
): { routes: ProxyRoute[] } | { error: string } {
  const routes: ProxyRoute[] = [];
  for (const [key, value] of Object.entries(entries).sort(([a], [b]) => a.localeCompare(b))) {
    const match = VALUE.exec(value.trim());
    const destinationPort = Number(match?.[2]);
    const proxyPort = Number(match?.[3]);
    if (!KEY.test(key) || match === null || !isPort(destinationPort) || !isPort(proxyPort)) {
      return {
        error: `nginx: [emerg] invalid proxy route ${JSON.stringify(key)}: ${JSON.stringify(value)} (expected <ip>:<port>,<proxyPort>)`,
      };
    }
    const clash = routes.find((route) => route.proxyPort === proxyPort);
    if (clash !== undefined) {
      return {
        error: `nginx: [emerg] duplicate listen port ${proxyPort} in routes ${JSON.stringify(clash.key)} and ${JSON.stringify(key)}`,
      };
    }
    routes.push({ key, destinationIP: match[1] ?? '', destinationPort, proxyPort });
  }
  return { routes };
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value > 0 && value < 65536;
}
