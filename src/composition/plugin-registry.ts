import { ConfigurationError } from '../environment.js';
import type { Environment } from '../environment.js';
import { BUILT_IN_PLUGINS, FALLBACK_CONTRACT } from '../plugins/built-in.js';
import { chooseContract } from '../plugins/contract-choice.js';
import type { ClientContractPlugin, OperatorPlugin } from '../plugins/plugin.js';
import { TOKENS, type Token } from '../tokens.js';

/** The ports that only plugins provide, and how many chosen plugins must provide each. */
export const PLUGIN_PORTS: readonly {
  readonly port: Token<unknown>;
  readonly providers: 'exactly one' | 'at most one' | 'one or more';
}[] = [
  // One tunnel: its parts share state (the route table, the proxies) and must come from one plugin.
  { port: TOKENS.TunnelProvider, providers: 'exactly one' },
  // A tunnel that routes InterceptRequests provides these too; without them the operator serves none (see routesOf).
  { port: TOKENS.TunnelRouter, providers: 'at most one' },
  { port: TOKENS.TunnelHeartbeat, providers: 'at most one' },
  { port: TOKENS.RouteStore, providers: 'at most one' },
  // Several carriers at once, chosen per request.
  { port: TOKENS.CarrierInstaller, providers: 'one or more' },
];

type Importer = (specifier: string) => Promise<Record<string, unknown>>;

/**
 * Resolves plugin names (none: the built-in defaults): built-in ones by
 * name, anything else as an npm package (or path) exporting `plugin`.
 * Checks that every plugin port is provided as often as it must be, so a
 * typo fails at start with a clear message.
 */
export async function loadPlugins(
  names: readonly string[],
  importer: Importer = (specifier) => import(specifier),
  defaults: readonly string[] = FALLBACK_CONTRACT.contract.defaultPlugins,
): Promise<OperatorPlugin[]> {
  const problems: string[] = [];
  const plugins: OperatorPlugin[] = [];
  for (const name of names.length > 0 ? names : defaults) {
    const builtIn = BUILT_IN_PLUGINS[name];
    if (builtIn) {
      plugins.push(builtIn);
      continue;
    }
    try {
      const loaded = await importer(name);
      const candidate = (loaded['plugin'] ?? loaded['default']) as Partial<OperatorPlugin> | undefined;
      if (!candidate || typeof candidate.createModule !== 'function' || !Array.isArray(candidate.provides)) {
        problems.push(`plugin "${name}" does not export \`plugin\` with name, provides and createModule`);
      } else {
        plugins.push(candidate as OperatorPlugin);
      }
    } catch (error) {
      problems.push(
        `plugin "${name}" could not be loaded (${error instanceof Error ? error.message : String(error)}); ` +
          `built-in plugins: ${Object.keys(BUILT_IN_PLUGINS).join(', ')}`,
      );
    }
  }
  if (problems.length === 0) problems.push(...coverageProblems(plugins));
  if (problems.length > 0) throw new ConfigurationError(problems);
  return plugins;
}

function coverageProblems(plugins: readonly OperatorPlugin[]): string[] {
  const problems: string[] = [];
  for (const { port, providers: allowed } of PLUGIN_PORTS) {
    const providers = plugins.filter((plugin) => plugin.provides.includes(port)).map((plugin) => plugin.name);
    const portName = portNameOf(port);
    if (providers.length === 0 && allowed !== 'at most one')
      problems.push(`no plugin in GEFYRA_PLUGINS provides ${portName}`);
    if (providers.length > 1 && allowed !== 'one or more')
      problems.push(`${portName} is provided by more than one plugin: ${providers.join(', ')}`);
  }
  const routing = ROUTING_PORTS.filter((port) => plugins.some((plugin) => plugin.provides.includes(port)));
  if (routing.length > 0 && routing.length < ROUTING_PORTS.length) {
    problems.push(
      `the tunnel provides ${routing.map(portNameOf).join(', ')} but not ${ROUTING_PORTS.filter(
        (port) => !routing.includes(port),
      )
        .map(portNameOf)
        .join(', ')}: a tunnel routes with all of them or none`,
    );
  }
  return problems;
}

const ROUTING_PORTS = [TOKENS.TunnelRouter, TOKENS.RouteStore, TOKENS.TunnelHeartbeat];
const portNameOf = (port: Token<unknown>): string => port.description?.replace('gefyra-operator/', '') ?? 'a port';

/** Whether the chosen tunnel routes InterceptRequests (router, route store and heartbeat); a tunnel without them serves only its own clients. */
export const tunnelRoutes = (plugins: readonly OperatorPlugin[]): boolean =>
  plugins.some((plugin) => plugin.provides.includes(TOKENS.TunnelRouter));

/** The plugins an operator runs: the client contract the environment chooses, and GEFYRA_PLUGINS (none: the contract's defaults). */
export async function loadOperatorPlugins(
  names: readonly string[],
  environment: Environment,
): Promise<{ readonly contract: ClientContractPlugin; readonly plugins: readonly OperatorPlugin[] }> {
  const { contract } = chooseContract(environment);
  // The contract last: its controllers start after the core's (the installation first).
  return { contract, plugins: [...(await loadPlugins(names, undefined, contract.contract.defaultPlugins)), contract] };
}
