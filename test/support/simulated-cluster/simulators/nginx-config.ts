/**
 * Just enough of nginx to judge the configurations Carrier's scripts write:
 * the text is tokenized and checked the way `nginx -t` does for the
 * directives those scripts use (upstream, server, listen, proxy_pass,
 * location, return), and a reload binds the listen ports the way the master
 * process does. The Carrier simulator keeps the real config text and asks
 * this module what nginx would make of it; nothing here knows Carrier.
 */

export const NGINX_CONF_PATH = '/etc/nginx/nginx.conf';

/** What a running nginx serves: the stream proxies (port → upstream server) and HTTP servers answering 200. */
export interface ServedConfig {
  readonly streamRoutes: ReadonlyMap<number, string>;
  readonly probePorts: ReadonlySet<number>;
}

export type ConfigTest =
  { readonly ok: true; readonly served: ServedConfig } | { readonly ok: false; readonly error: string };

interface Directive {
  readonly name: string;
  readonly args: readonly string[];
  readonly line: number;
  readonly block?: readonly Directive[];
}

/** `nginx -t`: the configuration as nginx would serve it, or the first `[emerg]` it reports. */
export function testConfig(text: string): ConfigTest {
  try {
    const top = parse(text);
    const stream = top.find((directive) => directive.name === 'stream')?.block ?? [];
    const http = top.find((directive) => directive.name === 'http')?.block ?? [];
    return { ok: true, served: { streamRoutes: streamRoutes(stream), probePorts: probePorts(http) } };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, error: `nginx: [emerg] ${error.message}` };
    throw error;
  }
}

/** Ports the configuration listens on in more than one context: the master process cannot bind them on reload. */
export function unbindablePorts(served: ServedConfig): number[] {
  return [...served.streamRoutes.keys()].filter((port) => served.probePorts.has(port));
}

class ConfigError extends Error {}

const at = (line: number): string => ` in ${NGINX_CONF_PATH}:${line}`;

function streamRoutes(stream: readonly Directive[]): Map<number, string> {
  const upstreams = new Map<string, string>();
  for (const upstream of stream.filter((directive) => directive.name === 'upstream')) {
    const [name] = upstream.args;
    if (name === undefined || upstream.block === undefined)
      throw new ConfigError(`invalid number of arguments in "upstream" directive${at(upstream.line)}`);
    if (upstreams.has(name)) throw new ConfigError(`duplicate upstream "${name}"${at(upstream.line)}`);
    const server = upstream.block.find((directive) => directive.name === 'server');
    if (server?.args[0] === undefined) throw new ConfigError(`no servers are inside upstream${at(upstream.line)}`);
    upstreams.set(name, checkedUpstreamServer(server.args[0], server.line));
  }
  const routes = new Map<number, string>();
  for (const server of stream.filter((directive) => directive.name === 'server' && directive.block !== undefined)) {
    const port = listenPort(server);
    if (routes.has(port)) throw new ConfigError(`duplicate "0.0.0.0:${port}" address and port pair${at(server.line)}`);
    const proxyPass = server.block?.find((directive) => directive.name === 'proxy_pass');
    const target = proxyPass?.args[0];
    if (target === undefined) throw new ConfigError(`no handler for server${at(server.line)}`);
    routes.set(port, upstreams.get(target) ?? checkedUpstreamServer(target, proxyPass?.line ?? server.line));
  }
  return routes;
}

function probePorts(http: readonly Directive[]): Set<number> {
  const ports = new Set<number>();
  for (const server of http.filter((directive) => directive.name === 'server' && directive.block !== undefined)) {
    const port = listenPort(server);
    const answers200 = server.block?.some(
      (directive) =>
        directive.name === 'location' &&
        directive.block?.some((inner) => inner.name === 'return' && inner.args[0] === '200'),
    );
    if (!answers200) continue;
    if (ports.has(port)) throw new ConfigError(`a duplicate default server for 0.0.0.0:${port}${at(server.line)}`);
    ports.add(port);
  }
  return ports;
}

/** The port of a server's `listen`: a number, or `host:port`; anything else nginx takes for a host name it cannot resolve. */
function listenPort(server: Directive): number {
  const listen = server.block?.find((directive) => directive.name === 'listen');
  const value = listen?.args[0];
  if (listen === undefined || value === undefined)
    throw new ConfigError(`invalid number of arguments in "listen" directive${at(listen?.line ?? server.line)}`);
  const port = value.includes(':') ? value.slice(value.lastIndexOf(':') + 1) : value;
  if (!/^\d+$/.test(port))
    throw new ConfigError(`host not found in "${value}" of the "listen" directive${at(listen.line)}`);
  if (!isPort(Number(port)))
    throw new ConfigError(`invalid port in "${value}" of the "listen" directive${at(listen.line)}`);
  return Number(port);
}

function checkedUpstreamServer(value: string, line: number): string {
  const colon = value.lastIndexOf(':');
  if (colon < 0) throw new ConfigError(`no port in upstream "${value}"${at(line)}`);
  if (!isPort(Number(value.slice(colon + 1))) || !/^\d+$/.test(value.slice(colon + 1)))
    throw new ConfigError(`invalid port in upstream "${value}"${at(line)}`);
  return value;
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value > 0 && value < 65536;
}

/** Directives with their arguments and blocks; `#` comments and quotes are not needed for Carrier's configs. */
function parse(text: string): Directive[] {
  const tokens = tokenize(text);
  let index = 0;
  const block = (depth: number): Directive[] => {
    const directives: Directive[] = [];
    while (index < tokens.length) {
      const token = tokens[index++] as Token;
      if (token.text === '}') {
        if (depth === 0) throw new ConfigError(`unexpected "}"${at(token.line)}`);
        return directives;
      }
      if (token.text === '{' || token.text === ';')
        throw new ConfigError(`unexpected "${token.text}"${at(token.line)}`);
      const args: string[] = [];
      for (;;) {
        const next = tokens[index++];
        if (next === undefined) throw new ConfigError(`unexpected end of file, expecting ";" or "}"${at(token.line)}`);
        if (next.text === ';') {
          directives.push({ name: token.text, args, line: token.line });
          break;
        }
        if (next.text === '{') {
          directives.push({ name: token.text, args, line: token.line, block: block(depth + 1) });
          break;
        }
        if (next.text === '}') throw new ConfigError(`unexpected "}"${at(next.line)}`);
        args.push(next.text);
      }
    }
    if (depth > 0) throw new ConfigError(`unexpected end of file, expecting "}"${at(text.split('\n').length)}`);
    return directives;
  };
  return block(0);
}

interface Token {
  readonly text: string;
  readonly line: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  text.split('\n').forEach((content, lineIndex) => {
    const withoutComment = content.replace(/#.*$/, '');
    for (const match of withoutComment.matchAll(/[{};]|[^\s{};]+/g))
      tokens.push({ text: match[0], line: lineIndex + 1 });
  });
  return tokens;
}
