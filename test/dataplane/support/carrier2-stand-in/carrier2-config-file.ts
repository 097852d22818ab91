import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import type { Carrier2Match, Carrier2MatchType, Carrier2Rules } from './carrier2-matching.js';

/** A bridge of one proxy port as carrier2 loads it: tried in the order the YAML mapping lists it. */
export interface StandInBridge {
  readonly key: string;
  readonly endpoint: string;
  readonly rules: Carrier2Rules;
}

export interface StandInProxy {
  /** Absent: carrier2 adds no listener for it. */
  readonly port: number | undefined;
  /** Absent: no `clusterUpstream` key (a request no bridge takes then panics, `todo!()`). */
  readonly clusterUpstream: readonly string[] | undefined;
  readonly bridges: readonly StandInBridge[];
}

/** pingora's ServerConf fields the stand-in uses. */
export interface StandInServerFiles {
  readonly pidFile: string;
  readonly errorLog: string;
  readonly upgradeSock: string;
}

/** carrier2's configuration file, read as `main.rs` reads it (pingora's ServerConf fields and Gefyra's). */
export interface StandInConfig extends StandInServerFiles {
  readonly proxies: readonly StandInProxy[];
  readonly httpGetProbes: readonly number[];
}

/** Where carrier2 2.5.4 would `unwrap()` a failure: `thread 'main' panicked at ...`, exit 101. */
export class Carrier2Panic extends Error {}

/** The YAML text as serde_yaml parses it; a syntax error panics before pingora's bootstrap. */
export function parseCarrier2Yaml(text: string): Node {
  const document = parseDocument(text, { uniqueKeys: true });
  const error = document.errors[0];
  if (error !== undefined || document.contents === null)
    throw new Carrier2Panic(
      `src/main.rs: called \`Result::unwrap()\` on an \`Err\` value: ${error?.message ?? 'empty document'}`,
    );
  return document.contents;
}

/**
 * The proxies, probes and server files of a parsed configuration, with
 * carrier2's checks: each `unwrap()` of main.rs and lib.rs that a bad file
 * reaches is a panic here. TLS is refused outright: the stand-in serves plain
 * HTTP only, and must not pretend otherwise.
 */
export function readCarrier2Config(root: Node): StandInConfig {
  const at = (key: string) => (isMap(root) ? (root.get(key, true) as Node | undefined) : undefined);
  if (!isMap(root)) throw new Carrier2Panic('src/main.rs: `carrier_config.as_mapping().unwrap()` on a non-mapping');
  const proxies = at('proxy');
  const probes = at('probes');
  if (probes !== undefined && isMap(probes) && listOf(probes.get('httpsGet', true) as Node | undefined).length > 0)
    throw new Error('the carrier2 stand-in serves no TLS (probes.httpsGet)');
  return {
    ...readServerFiles(root),
    proxies: proxies === undefined ? [] : sequence(proxies, 'proxy').map(proxyOf),
    httpGetProbes:
      probes === undefined || !isMap(probes)
        ? []
        : listOf(probes.get('httpGet', true) as Node | undefined).map((port) => portOf(port, 'probes.httpGet')),
  };
}

/** What pingora's ServerConf takes from the file (its defaults otherwise); read before the bootstrap. */
export function readServerFiles(root: Node): StandInServerFiles {
  const at = (key: string) => (isMap(root) ? (root.get(key, true) as Node | undefined) : undefined);
  return {
    pidFile: stringOf(at('pid_file'), 'pid_file') ?? '/tmp/pingora.pid',
    errorLog: stringOf(at('error_log'), 'error_log') ?? '',
    upgradeSock: stringOf(at('upgrade_sock'), 'upgrade_sock') ?? '/tmp/pingora_upgrade.sock',
  };
}

function proxyOf(node: Node): StandInProxy {
  if (!isMap(node)) throw new Carrier2Panic('src/main.rs: `proxy.as_mapping().unwrap()` on a non-mapping');
  if (node.has('tls')) throw new Error('the carrier2 stand-in serves no TLS (proxy.tls)');
  const upstream = node.get('clusterUpstream', true) as Node | undefined;
  const bridges = node.get('bridges', true) as Node | undefined;
  return {
    port: node.has('port') ? portOf(node.get('port', true) as Node | undefined, 'proxy.port') : undefined,
    clusterUpstream:
      upstream === undefined
        ? undefined
        : sequence(upstream, 'clusterUpstream').map((address) => mustString(address, 'clusterUpstream')),
    bridges: bridges === undefined ? [] : bridgesOf(bridges),
  };
}

/** `GefyraClient::from_yaml`: the mapping's entries in their order. */
function bridgesOf(node: Node): StandInBridge[] {
  if (!isMap(node)) throw new Carrier2Panic('src/main.rs: `proxy["bridges"].as_mapping().unwrap()` on a non-mapping');
  return node.items.map((pair) => {
    const key = mustString(pair.key as Node, 'a bridge key');
    const value = pair.value as Node | null;
    if (value === null || !isMap(value)) throw new Carrier2Panic(`src/lib.rs: bridge ${key} is not a mapping`);
    if (value.has('tls') && (value.get('tls') as unknown) === true)
      throw new Error('the carrier2 stand-in serves no TLS (bridges.*.tls)');
    const rules = value.get('rules', true) as Node | undefined;
    if (rules === undefined) throw new Carrier2Panic(`src/lib.rs: bridge ${key}: missing field \`rules\``);
    return {
      key,
      endpoint: mustString(value.get('endpoint', true) as Node | undefined, `bridges.${key}.endpoint`),
      rules: sequence(rules, `bridges.${key}.rules`).map((rule) => andCondition(rule, key)),
    };
  });
}

function andCondition(node: Node, bridge: string): Carrier2Match[] {
  const matches = isMap(node) ? (node.get('match', true) as Node | undefined) : undefined;
  if (matches === undefined) throw new Carrier2Panic(`src/lib.rs: bridge ${bridge}: missing field \`match\``);
  return sequence(matches, `bridges.${bridge}.rules[].match`).map((item) => matchOf(item, bridge));
}

/** serde's singleton map of the `MatchRule` enum: exactly one key, `matchPath` or `matchHeader`. */
function matchOf(node: Node, bridge: string): Carrier2Match {
  if (!isMap(node) || node.items.length !== 1)
    throw new Carrier2Panic(`src/lib.rs: bridge ${bridge}: a match is not a map with one key`);
  const pair = node.items[0];
  const variant = isScalar(pair?.key) ? pair.key.value : undefined;
  const fields = pair?.value as Node | null;
  if (fields === null || !isMap(fields)) throw new Carrier2Panic(`src/lib.rs: bridge ${bridge}: ${String(variant)}`);
  const field = (name: string) => fields.get(name, true) as Node | undefined;
  const type = field('type');
  if (variant === 'matchPath') {
    if (type === undefined) throw new Carrier2Panic(`src/lib.rs: bridge ${bridge}: missing field \`type\``);
    return {
      kind: 'matchPath',
      path: mustString(field('path'), 'matchPath.path'),
      type: matchTypeOf(type),
    };
  }
  if (variant === 'matchHeader')
    return {
      kind: 'matchHeader',
      name: mustString(field('name'), 'matchHeader.name'),
      value: mustString(field('value'), 'matchHeader.value'),
      // `#[serde(default)]`: a header match without a type is exact.
      type: type === undefined ? 'exact' : matchTypeOf(type),
    };
  throw new Carrier2Panic(
    `src/lib.rs: unknown variant \`${String(variant)}\`, expected \`matchPath\` or \`matchHeader\``,
  );
}

function matchTypeOf(node: Node): Carrier2MatchType {
  const type = mustString(node, 'type');
  if (type === 'exact' || type === 'prefix' || type === 'regex') return type;
  throw new Carrier2Panic(`src/lib.rs: unknown variant \`${type}\`, expected one of \`exact\`, \`prefix\`, \`regex\``);
}

function sequence(node: Node, what: string): Node[] {
  if (!isSeq(node)) throw new Carrier2Panic(`src/main.rs: ${what}: \`as_sequence().unwrap()\` on a non-sequence`);
  return node.items as Node[];
}

function listOf(node: Node | undefined): Node[] {
  return node === undefined ? [] : sequence(node, 'probes');
}

/** serde_yaml's String: a string scalar (a number or a boolean is not one). */
function mustString(node: Node | undefined | null, what: string): string {
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  throw new Carrier2Panic(`src/main.rs: ${what}: \`as_str().unwrap()\` on a value that is not a string`);
}

function stringOf(node: Node | undefined, what: string): string | undefined {
  return node === undefined ? undefined : mustString(node, what);
}

function portOf(node: Node | undefined | null, what: string): number {
  if (isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value) && node.value >= 0)
    return node.value;
  throw new Carrier2Panic(`src/main.rs: ${what}: \`as_u64().unwrap()\` on a value that is not an unsigned integer`);
}
