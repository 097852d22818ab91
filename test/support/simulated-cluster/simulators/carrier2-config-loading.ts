import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';

/**
 * How carrier2 2.5.4 (`carrier2/src/main.rs`, `lib.rs`) loads its
 * configuration file, statement by statement: every `unwrap()` that can fail
 * on a file is a panic here, with the location and the text Rust prints.
 * Rules are deserialised at load (serde: `matchPath` needs `type`, an unknown
 * match type is refused), but regexes are compiled only per request, so a
 * pattern that does not compile loads fine and panics on the first request
 * that reaches it (see `matchRequest`).
 */

/** A header or path match as carrier2 deserialised it. */
export type LoadedMatch =
  | { readonly on: 'path'; readonly path: string; readonly type: MatchType }
  | { readonly on: 'header'; readonly name: string; readonly value: string; readonly type: MatchType };

type MatchType = 'exact' | 'prefix' | 'regex';

export interface LoadedBridge {
  readonly name: string;
  readonly endpoint: string;
  /** OR over rules, AND within one. */
  readonly rules: readonly (readonly LoadedMatch[])[];
}

export interface LoadedProxy {
  /** Undefined: carrier2 adds no listener for this proxy. */
  readonly port: number | undefined;
  readonly clusterUpstream: readonly string[] | undefined;
  /** In the YAML mapping's order: the order carrier2 tries them. */
  readonly bridges: readonly LoadedBridge[];
}

/** The parts of pingora's ServerConf the simulator acts on. */
export interface ServerConf {
  readonly pidFile: string;
  readonly errorLog: string | undefined;
  readonly upgradeSock: string;
}

export interface LoadedConfig {
  readonly server: ServerConf;
  readonly proxies: readonly LoadedProxy[];
  readonly httpGetProbes: readonly number[];
  readonly httpsGetProbes: readonly number[];
}

/** Rust's panic text: the first line is what carrier2PushOutcome looks for. */
export class Carrier2Panic extends Error {
  constructor(
    readonly location: string,
    readonly detail: string,
    readonly thread = 'main',
  ) {
    super(`thread '${thread}' panicked at ${location}:\n${detail}`);
  }

  /** As Rust writes it to stderr (exit code 101). */
  get text(): string {
    return `${this.message}\nnote: run with \`RUST_BACKTRACE=1\` environment variable to display a backtrace\n`;
  }
}

const OPTION_NONE = 'called `Option::unwrap()` on a `None` value';
const unwrapErr = (error: string) => `called \`Result::unwrap()\` on an \`Err\` value: ${error}`;
const at = (line: number, column: number) => `src/main.rs:${line}:${column}`;
const atLib = (line: number, column: number) => `src/lib.rs:${line}:${column}`;

/** Lines 188–190: the file read, parsed as YAML, and as pingora's ServerConf. */
export function loadServerConf(text: string | undefined): { readonly root: YamlNode; readonly server: ServerConf } {
  if (text === undefined) {
    throw new Carrier2Panic(
      at(188, 62),
      unwrapErr('Os { code: 2, kind: NotFound, message: "No such file or directory" }'),
    );
  }
  const document = parseDocument(text, { uniqueKeys: true });
  const error = document.errors[0];
  if (error) throw new Carrier2Panic(at(189, 89), unwrapErr(`Error(${JSON.stringify(error.message.split('\n')[0])})`));
  const root = document.contents ?? document.createNode(null);
  // ServerConf is `#[serde(default)]`: missing fields are fine, a field of the wrong type is not.
  if (!isMap(root)) {
    throw new Carrier2Panic(
      at(190, 79),
      unwrapErr(`Error("invalid type: ${describe(root)}, expected struct ServerConf")`),
    );
  }
  const field = (name: string, kind: 'string' | 'usize' | 'bool'): unknown => {
    const node = root.get(name, true) as YamlNode | undefined;
    if (node === undefined || (isScalar(node) && node.value === null && kind === 'string')) return undefined;
    const value = isScalar(node) ? node.value : undefined;
    const fits =
      kind === 'string'
        ? typeof value === 'string'
        : kind === 'bool'
          ? typeof value === 'boolean'
          : typeof value === 'number' && Number.isInteger(value) && value >= 0;
    if (!fits) {
      throw new Carrier2Panic(
        at(190, 79),
        unwrapErr(
          `Error("${name}: invalid type: ${describe(node)}, expected ${kind === 'string' ? 'a string' : kind}")`,
        ),
      );
    }
    return value;
  };
  for (const name of ['version', 'threads', 'upstream_keepalive_pool_size', 'listener_tasks_per_fd'])
    field(name, 'usize');
  field('daemon', 'bool');
  const errorLog = field('error_log', 'string') as string | undefined;
  return {
    root,
    server: {
      pidFile: (field('pid_file', 'string') as string | undefined) ?? '/tmp/pingora.pid',
      errorLog,
      upgradeSock: (field('upgrade_sock', 'string') as string | undefined) ?? '/tmp/pingora_upgrade.sock',
    },
  };
}

/** Lines 197–320, after bootstrap: the proxies with their bridges, and the probes. */
export function loadServices(root: YamlNode, server: ServerConf, log: (line: string) => void): LoadedConfig {
  if (!isMap(root)) throw new Carrier2Panic(at(197, 58), OPTION_NONE);
  const proxies: LoadedProxy[] = [];
  if (root.has('proxy')) {
    const sequence = root.get('proxy', true);
    if (!isSeq(sequence)) throw new Carrier2Panic(at(203, 51), OPTION_NONE);
    log(`Configure ${sequence.items.length} proxy`);
    for (const item of sequence.items as YamlNode[]) proxies.push(loadProxy(item));
  }
  const probes = root.get('probes', true) as YamlNode | undefined;
  const probePorts = (key: string, sequenceAt: string, portAt: string): number[] => {
    const node = isMap(probes) ? (probes.get(key, true) as YamlNode | undefined) : undefined;
    if (node === undefined) return [];
    if (!isSeq(node)) throw new Carrier2Panic(sequenceAt, OPTION_NONE);
    return (node.items as YamlNode[]).map((port) => {
      const number = u64(port);
      if (number === undefined) throw new Carrier2Panic(portAt, OPTION_NONE);
      return number;
    });
  };
  const httpGetProbes = probePorts('httpGet', at(295, 58), at(299, 75));
  if (httpGetProbes.length > 0 || (isMap(probes) && probes.has('httpGet')))
    log(`Configured httpGet (scheme HTTP) probe ports: [${httpGetProbes.map((p) => `Number(${p})`).join(', ')}]`);
  const httpsGetProbes = probePorts('httpsGet', at(307, 59), at(314, 76));
  return { server, proxies, httpGetProbes, httpsGetProbes };
}

function loadProxy(node: YamlNode): LoadedProxy {
  if (!isMap(node)) throw new Carrier2Panic(at(209, 52), OPTION_NONE);
  let clusterUpstream: string[] | undefined;
  if (node.has('clusterUpstream')) {
    const list = node.get('clusterUpstream', true);
    if (!isSeq(list)) throw new Carrier2Panic(at(214, 30), OPTION_NONE);
    clusterUpstream = (list.items as YamlNode[]).map((address) => {
      if (!isScalar(address) || typeof address.value !== 'string') throw new Carrier2Panic(at(216, 49), OPTION_NONE);
      return address.value;
    });
    // LoadBalancer::try_from_iter resolves every `host:port`; one without a port is no socket address.
    const bad = clusterUpstream.find((address) => !/^[^\s:]+:\d{1,5}$/.test(address) && !/^\[.*\]:\d+$/.test(address));
    if (bad !== undefined)
      throw new Carrier2Panic(at(218, 77), unwrapErr('Custom { kind: InvalidInput, error: "invalid socket address" }'));
  }
  let bridges: LoadedBridge[] = [];
  if (node.has('bridges')) {
    const mapping = node.get('bridges', true);
    if (!isMap(mapping)) throw new Carrier2Panic(at(249, 59), OPTION_NONE);
    bridges = mapping.items.map((pair) => loadBridge(pair.key as YamlNode, pair.value as YamlNode));
  }
  let port: number | undefined;
  if (node.has('port')) {
    port = u64(node.get('port', true) as YamlNode);
    if (port === undefined) throw new Carrier2Panic(at(269, 86), OPTION_NONE);
  }
  return { port, clusterUpstream, bridges };
}

/** GefyraClient::from_yaml (lib.rs 139–156): the endpoint, then the key, then the rules through serde. */
function loadBridge(key: YamlNode, value: YamlNode): LoadedBridge {
  const endpoint = isMap(value) ? value.get('endpoint', true) : undefined;
  if (!isScalar(endpoint) || typeof endpoint.value !== 'string') throw new Carrier2Panic(atLib(145, 69), OPTION_NONE);
  if (!isScalar(key) || typeof key.value !== 'string') throw new Carrier2Panic(atLib(148, 35), OPTION_NONE);
  const serdeError = (message: string) =>
    new Carrier2Panic(atLib(150, 71), unwrapErr(`Error(${JSON.stringify(message)})`));
  if (!isMap(value)) throw serdeError('invalid type: expected struct MatchOrCondition');
  const rules = value.get('rules', true) as YamlNode | undefined;
  if (rules === undefined) throw serdeError('missing field `rules`');
  if (!isSeq(rules)) throw serdeError(`invalid type: ${describe(rules)}, expected a sequence`);
  return {
    name: key.value,
    endpoint: endpoint.value,
    rules: (rules.items as YamlNode[]).map((rule) => {
      if (!isMap(rule)) throw serdeError(`invalid type: ${describe(rule)}, expected struct MatchAndCondition`);
      const matches = rule.get('match', true) as YamlNode | undefined;
      if (matches === undefined) throw serdeError('missing field `match`');
      if (!isSeq(matches)) throw serdeError(`invalid type: ${describe(matches)}, expected a sequence`);
      return (matches.items as YamlNode[]).map((entry) => loadMatch(entry, serdeError));
    }),
  };
}

function loadMatch(entry: YamlNode, serdeError: (message: string) => Carrier2Panic): LoadedMatch {
  // serde_yaml's singleton_map: a mapping of exactly one variant.
  if (!isMap(entry) || entry.items.length !== 1)
    throw serdeError('invalid type: expected a YAML mapping with exactly one entry (singleton map)');
  const [pair] = entry.items;
  const variant = isScalar(pair?.key) ? pair.key.value : undefined;
  const body = pair?.value as YamlNode | undefined;
  const string = (name: string): string | undefined => {
    const node = isMap(body) ? (body.get(name, true) as YamlNode | undefined) : undefined;
    if (node === undefined) return undefined;
    if (!isScalar(node) || typeof node.value !== 'string')
      throw serdeError(`${name}: invalid type: ${describe(node)}, expected a string`);
    return node.value;
  };
  const type = (required: boolean): MatchType => {
    const value = string('type');
    if (value === undefined) {
      if (required) throw serdeError('missing field `type`');
      return 'exact';
    }
    if (value !== 'exact' && value !== 'prefix' && value !== 'regex')
      throw serdeError(`unknown variant \`${value}\`, expected one of \`exact\`, \`prefix\`, \`regex\``);
    return value;
  };
  if (variant === 'matchPath') {
    if (!isMap(body)) throw serdeError('invalid type: expected struct MatchPath');
    const path = string('path');
    if (path === undefined) throw serdeError('missing field `path`');
    return { on: 'path', path, type: type(true) };
  }
  if (variant === 'matchHeader') {
    if (!isMap(body)) throw serdeError('invalid type: expected struct MatchHeader');
    const name = string('name');
    if (name === undefined) throw serdeError('missing field `name`');
    const value = string('value');
    if (value === undefined) throw serdeError('missing field `value`');
    return { on: 'header', name, value, type: type(false) };
  }
  throw serdeError(`unknown variant \`${String(variant)}\`, expected \`matchPath\` or \`matchHeader\``);
}

/** A request as carrier2 sees it: the path with its query string, header names lowercased by HTTP/1 parsing. */
export interface Carrier2Request {
  readonly pathAndQuery: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Which bridge carrier2 gives the request to (the first whose rules hit),
 * or undefined for the cluster upstream. A regex that does not compile panics
 * the worker thread, as `Regex::new(..).unwrap()` does per request.
 */
export function matchRequest(proxy: LoadedProxy, request: Carrier2Request): LoadedBridge | undefined {
  const headers = Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value] as const);
  const hit = (match: LoadedMatch): boolean => {
    if (match.on === 'path') {
      if (match.type === 'exact') return request.pathAndQuery === match.path;
      if (match.type === 'prefix') return request.pathAndQuery.startsWith(match.path);
      return rustRegex(match.path, atLib(28, 70)).test(request.pathAndQuery);
    }
    return headers.some(([name, value]) => {
      if (match.type === 'exact') return match.name === name && match.value === value;
      if (match.type === 'prefix') return match.name === name && value.startsWith(match.value);
      return rustRegex(match.name, atLib(52, 58)).test(name) && rustRegex(match.value, atLib(53, 56)).test(value);
    });
  };
  return proxy.bridges.find((bridge) => bridge.rules.some((rule) => rule.every(hit)));
}

/** Rust's `regex` as far as JavaScript can play it: a leading `(?i)` is the flag; lookaround and backreferences do not compile. */
function rustRegex(pattern: string, location: string): RegExp {
  const insensitive = pattern.startsWith('(?i)');
  const source = insensitive ? pattern.slice(4) : pattern;
  const unsupported = /\(\?<?[=!]|\\[1-9]/.test(source);
  try {
    if (!unsupported) return new RegExp(source, insensitive ? 'iu' : 'u');
  } catch {
    // falls through to the panic
  }
  throw new Carrier2Panic(
    location,
    unwrapErr(`Syntax(\n${RULER}\nregex parse error:\n    ${pattern}\n${RULER}\n)`),
    'tokio-runtime-worker',
  );
}

const RULER = '~'.repeat(78);

function u64(node: YamlNode | undefined): number | undefined {
  return isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value) && node.value >= 0
    ? node.value
    : undefined;
}

function describe(node: YamlNode | undefined): string {
  if (node === undefined || (isScalar(node) && node.value === null)) return 'unit value';
  if (isMap(node)) return 'map';
  if (isSeq(node)) return 'sequence';
  if (isScalar(node)) {
    const value = node.value;
    if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
    if (typeof value === 'boolean') return `boolean \`${value}\``;
    if (typeof value === 'number')
      return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  }
  return 'value';
}
