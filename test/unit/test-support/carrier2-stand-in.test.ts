import { describe, expect, it } from 'vitest';
import {
  Carrier2Panic,
  parseCarrier2Yaml,
  readCarrier2Config,
} from '../../dataplane/support/carrier2-stand-in/carrier2-config-file.js';
import {
  carrier2RulesHit,
  Carrier2RequestPanic,
  type Carrier2Match,
  type Carrier2Request,
} from '../../dataplane/support/carrier2-stand-in/carrier2-matching.js';
import { carrier2Choice } from '../../dataplane/support/carrier2-stand-in/carrier2-routing.js';
import { carrier2Yaml } from '../../../src/plugins/carrier2/carrier2-yaml.js';
import type { CarrierRoute } from '../../../src/ports/carrier-installer.port.js';

const request = (pathAndQuery: string, headers: [string, string][] = []): Carrier2Request => ({
  pathAndQuery,
  headers,
});
const path = (value: string, type: Carrier2Match['type']): Carrier2Match => ({ kind: 'matchPath', path: value, type });
const header = (name: string, value: string, type: Carrier2Match['type']): Carrier2Match => ({
  kind: 'matchHeader',
  name,
  value,
  type,
});
const hits = (match: Carrier2Match, seen: Carrier2Request) => carrier2RulesHit([[match]], seen);

// The cases of carrier2 2.5.4's own tests (carrier2/src/lib.rs), and what its main.rs does with the file.
describe("the carrier2 stand-in's matching, as carrier2 2.5.4's", () => {
  it('matches paths with their query string: exact, prefix and unanchored regex (lib.rs match_path)', () => {
    expect(hits(path('/my-path_123', 'exact'), request('/my-path_123'))).toBe(true);
    expect(hits(path('/my-path_123', 'exact'), request('/my-path_123?query=1234'))).toBe(false);
    expect(hits(path('/my-path_123', 'prefix'), request('/my-path_123?query=1234'))).toBe(true);
    expect(hits(path('/my-path_123', 'prefix'), request('/other-path_123'))).toBe(false);
    expect(hits(path('^/[a-z0-9-.]{2,}/michael', 'regex'), request('/my-path/michael'))).toBe(true);
    expect(hits(path('^/[a-z0-9-.]{2,}/michael', 'regex'), request('/m/michael'))).toBe(false);
    expect(hits(path('x-gefyra=michael', 'regex'), request('/my-path/?x-gefyra=michael'))).toBe(true);
    expect(hits(path('x-gefyra=michael', 'regex'), request('/my-path/?x-gefyra=joe'))).toBe(false);
  });

  it('matches headers by the received (lowercased) name: exact and prefix compare it with ==, regex runs on it (lib.rs match_header)', () => {
    const seen = (name: string, value: string) => request('/', [[name, value]]);
    expect(hits(header('x-gefyra', 'michael', 'exact'), seen('x-gefyra', 'michael'))).toBe(true);
    expect(hits(header('x-gefyra', 'michael', 'exact'), seen('x-gefyra', 'michael1'))).toBe(false);
    expect(hits(header('x-gefyra', 'michael', 'prefix'), seen('x-gefyra', 'michael123'))).toBe(true);
    expect(hits(header('x-gefyra', 'michael', 'prefix'), seen('x-gefyra123', 'michael'))).toBe(false);
    const regex = header('x-gefyra-[a-z0-9]*', 'michael[1-9]{0,2}$', 'regex');
    expect(hits(regex, seen('x-gefyra-from123', 'michael12'))).toBe(true);
    expect(hits(regex, seen('x-gefyra-from123', 'michael123'))).toBe(false);
    expect(hits(regex, seen('x-gefyra', 'michael12'))).toBe(false);
    // 2.5.4's bug, kept: a name written with capitals never equals a received one.
    expect(hits(header('X-Gefyra-User', 'alice', 'exact'), seen('x-gefyra-user', 'alice'))).toBe(false);
    expect(hits(header('X-Gefyra-User', 'al', 'prefix'), seen('x-gefyra-user', 'alice'))).toBe(false);
    expect(hits(header('X-Gefyra-User', 'alice', 'regex'), seen('x-gefyra-user', 'alice'))).toBe(false);
    // The operator's way of writing it (carrier2Rules): lowercased, or a case-insensitive regex.
    expect(hits(header('(?i)X-Gefyra-User', '^alice$', 'regex'), seen('x-gefyra-user', 'alice'))).toBe(true);
  });

  it('ANDs the matches of a rule and ORs the rules; no rule never hits (lib.rs match_conditions)', () => {
    const rules = [[header('x-gefyra', 'jon', 'exact'), path('/my-path_123', 'exact')], [path('/always', 'exact')]];
    expect(carrier2RulesHit(rules, request('/my-path_123', [['x-gefyra', 'jon']]))).toBe(true);
    expect(carrier2RulesHit(rules, request('/my-path_123'))).toBe(false);
    expect(carrier2RulesHit(rules, request('/always'))).toBe(true);
    expect(carrier2RulesHit(rules, request('/never', [['x-gefyra', 'balu']]))).toBe(false);
    expect(carrier2RulesHit([], request('/'))).toBe(false);
  });

  it('panics the request on a regex that does not compile, when a request reaches it', () => {
    expect(() => hits(path('(', 'regex'), request('/'))).toThrow(Carrier2RequestPanic);
    expect(hits(path('/a', 'exact'), request('/b'))).toBe(false);
  });
});

describe("the carrier2 stand-in's configuration file, read as carrier2 2.5.4's main.rs reads it", () => {
  /** A bridge's route on port 8080, as the mount service hands it to the carrier. */
  const route = (name: string, since: string, user: string): CarrierRoute => ({
    containerPort: 8080,
    proxyHost: `${name}.gefyra.svc.cluster.local`,
    proxyPort: 10000,
    selective: { name, since, rules: [[{ on: 'header', name: 'X-Gefyra-User', value: user, type: 'exact' }]] },
  });

  it("reads the carrier2 plugin's YAML: bridges in the mapping's order, rules as written, first hit wins, else the cluster upstream", () => {
    const yaml = carrier2Yaml({
      routes: [route('bob', '2026-12-07T10:05:00Z', 'bob'), route('alice', '2026-12-07T10:00:00Z', 'alice')],
      fallback: { 8080: ['web-svc.shop.svc.cluster.local:8080'] },
      probePorts: [8081],
      syncDirectories: [],
    });
    const config = readCarrier2Config(parseCarrier2Yaml(yaml));
    const proxy = config.proxies[0];
    if (proxy === undefined) throw new Error('no proxy read');
    expect(proxy.bridges.map((b) => b.key)).toEqual(['alice', 'bob']);
    expect(config.httpGetProbes).toEqual([8081]);
    expect(config.pidFile).toBe('/tmp/carrier2.pid');
    expect(carrier2Choice(proxy, request('/', [['x-gefyra-user', 'bob']]))).toEqual({
      to: 'bridge',
      key: 'bob',
      endpoint: 'bob.gefyra.svc.cluster.local:10000',
    });
    expect(carrier2Choice(proxy, request('/', [['x-gefyra-user', 'carol']]))).toEqual({ to: 'clusterUpstream' });
  });

  it("keeps the file's order for keys that look like numbers (a JavaScript object would sort them)", () => {
    const rules = 'rules: [{match: [{matchPath: {path: /, type: prefix}}]}]';
    const text = `proxy:\n  - port: 8080\n    bridges:\n      "20": {endpoint: "a:1", ${rules}}\n      "10": {endpoint: "b:1", ${rules}}\n`;
    const proxy = readCarrier2Config(parseCarrier2Yaml(text)).proxies[0];
    expect(proxy?.bridges.map((b) => b.key)).toEqual(['20', '10']);
    expect(proxy && carrier2Choice(proxy, request('/'))).toMatchObject({ key: '20' });
  });

  it('panics as carrier2 does on a bad file: a matchPath without type, an unknown match, a bridge without rules', () => {
    const file = (match: string) =>
      `version: 1\nproxy:\n  - port: 8080\n    bridges:\n      b:\n        endpoint: "e:1"\n        rules:\n          - match:\n              - ${match}\n`;
    const read = (text: string) => () => readCarrier2Config(parseCarrier2Yaml(text));
    expect(read(file('matchPath: {path: /a}'))).toThrow(Carrier2Panic);
    expect(read(file('matchQuery: {path: /a, type: exact}'))).toThrow(/unknown variant/);
    expect(read('version: 1\nproxy:\n  - port: 8080\n    bridges:\n      b:\n        endpoint: "e:1"\n')).toThrow(
      /missing field `rules`/,
    );
    expect(read('version: [1\n')).toThrow(Carrier2Panic);
    // A header match's type defaults to exact.
    const config = readCarrier2Config(parseCarrier2Yaml(file('matchHeader: {name: x-a, value: b}')));
    expect(config.proxies[0]?.bridges[0]?.rules).toEqual([[header('x-a', 'b', 'exact')]]);
  });

  it('sends a request no bridge takes, with no clusterUpstream, nowhere (the todo!() panic)', () => {
    const config = readCarrier2Config(parseCarrier2Yaml('version: 1\nproxy:\n  - port: 8080\n'));
    expect(() => carrier2Choice(config.proxies[0] as never, request('/'))).toThrow(Carrier2RequestPanic);
  });
});
