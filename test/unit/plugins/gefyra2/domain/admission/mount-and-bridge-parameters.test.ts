import { describe, expect, it } from 'vitest';
import type { AdmissionInput, GefyraObject } from '../../../../../../src/domain/admission/admission-verdict.js';
import {
  validateBridgeParameters,
  type BridgeParametersContext,
} from '../../../../../../src/plugins/gefyra2/domain/admission/bridge-parameters.js';
import { parseSubnet } from '../../../../../../src/domain/intercept/intercept-policy.js';
import {
  normalisedTarget,
  validateMountParameters,
  type ExistingMount,
} from '../../../../../../src/plugins/gefyra2/domain/admission/mount-parameters.js';

const mount = (fields: Record<string, unknown> = {}): GefyraObject => ({
  metadata: { name: 'web-mount' },
  provider: 'carrier2mount',
  target: 'deploy/web',
  targetNamespace: 'shop',
  targetContainer: 'app',
  ...fields,
});
const checkMount = (input: AdmissionInput, otherMounts: readonly ExistingMount[] = []) =>
  validateMountParameters(input, { otherMounts });

describe('/mount-parameters', () => {
  it('admits a complete mount of a Deployment, StatefulSet or Pod in short or long form', () => {
    for (const target of ['deploy/web', 'deployment/web', 'sts/db', 'statefulset/db', 'pod/web-0']) {
      expect(checkMount({ operation: 'CREATE', object: mount({ target }) }), target).toEqual({ allowed: true });
    }
  });

  it('refuses another provider, a missing field and a kind that cannot be mounted', () => {
    expect(checkMount({ operation: 'CREATE', object: mount({ provider: 'carrier' }) })).toMatchObject({
      allowed: false,
      message: expect.stringContaining('Unknown provider'),
    });
    expect(checkMount({ operation: 'CREATE', object: mount({ targetContainer: '' }) })).toEqual({
      allowed: false,
      message: "A GefyraBridgeMount needs 'targetContainer'",
    });
    for (const target of ['daemonset/web', 'web', 'deploy/', 'deploy/a/b', 'deploy/Web']) {
      expect(checkMount({ operation: 'CREATE', object: mount({ target }) }), target).toMatchObject({
        allowed: false,
        message: expect.stringContaining("'target' must be"),
      });
    }
  });

  it('refuses a second mount of the same workload, whichever form names it; another namespace is another workload', () => {
    const existing = [{ name: 'first', target: 'deployment/web', targetNamespace: 'shop' }];
    expect(checkMount({ operation: 'CREATE', object: mount() }, existing)).toEqual({
      allowed: false,
      message: 'deploy/web in shop is already mounted by first',
    });
    expect(checkMount({ operation: 'CREATE', object: mount({ targetNamespace: 'blog' }) }, existing)).toEqual({
      allowed: true,
    });
  });

  it('refuses TLS termination, for every port or for one, with a path or a Secret; {} is fine', () => {
    // As `gefyra mount create --tls-certificate ... --tls-key ...` writes it (client-reads.md), printed from body.message.
    const secret = (key: string) => ({ secret: { namespace: 'shop', name: 'web-tls', key } });
    const everyPort = { tls: { certificate: '/certs/tls.crt', key: '/certs/tls.key', sni: 'web.shop' } };
    const onePort = { '443': { tls: { certificate: secret('tls.crt'), key: secret('tls.key') } } };
    expect(checkMount({ operation: 'CREATE', object: mount({ providerParameter: everyPort }) })).toEqual({
      allowed: false,
      message:
        'TLS termination (providerParameter tls for every port) is not served by this operator yet: ' +
        'create the mount without --tls-certificate, --tls-key and --tls-sni',
    });
    expect(checkMount({ operation: 'CREATE', object: mount({ providerParameter: onePort }) })).toMatchObject({
      allowed: false,
      message: expect.stringContaining('providerParameter tls for port 443) is not served by this operator yet'),
    });
    expect(checkMount({ operation: 'CREATE', object: mount({ providerParameter: {} }) })).toEqual({ allowed: true });
  });

  it("keeps the target fields fixed on UPDATE and admits the operator's state patches", () => {
    expect(
      checkMount({ operation: 'UPDATE', oldObject: mount(), object: mount({ target: 'deploy/other' }) }),
    ).toMatchObject({
      allowed: false,
      message: expect.stringContaining("Cannot change 'target'"),
    });
    expect(
      checkMount({
        operation: 'UPDATE',
        oldObject: mount(),
        object: mount({ state: 'ACTIVE', stateTransitions: { ACTIVE: 'now' } }),
      }),
    ).toEqual({ allowed: true });
  });

  it('normalises targets', () => {
    expect(normalisedTarget('sts/db')).toBe('statefulset/db');
    expect(normalisedTarget(3)).toBeUndefined();
  });
});

const bridge = (fields: Record<string, unknown> = {}): GefyraObject => ({
  metadata: { name: 'dev-a-web', labels: { 'gefyra.dev/bridge-mount': 'web-mount', 'gefyra.dev/client': 'dev-a' } },
  provider: 'carrier2',
  connectionProvider: 'stowaway',
  target: 'web-mount',
  client: 'dev-a',
  destinationIP: '172.30.0.2',
  portMappings: ['8080:80'],
  providerParameter: { rules: [{ match: [{ matchHeader: { name: 'x-dev', value: 'a', type: 'exact' } }] }] },
  ...fields,
});
/** dev-a is connected with its Docker network 172.30.0.0/16; its app container is 172.30.0.2. */
const DEV_A = { name: 'dev-a', subnet: '172.30.0.0/16' };
const activeMount: BridgeParametersContext = {
  mountState: 'ACTIVE',
  otherBridges: [],
  owner: DEV_A,
  destinationSubnets: undefined,
};
const checkBridge = (input: AdmissionInput, context: BridgeParametersContext = activeMount) =>
  validateBridgeParameters(input, context);

describe('/bridge-parameters', () => {
  it('admits a complete bridge on an ACTIVE mount', () => {
    expect(checkBridge({ operation: 'CREATE', object: bridge() })).toEqual({ allowed: true });
  });

  it('refuses another provider, a missing destinationIP and missing labels', () => {
    expect(checkBridge({ operation: 'CREATE', object: bridge({ provider: 'carrier' }) })).toMatchObject({
      allowed: false,
      message: expect.stringContaining('Unknown provider'),
    });
    expect(checkBridge({ operation: 'CREATE', object: bridge({ destinationIP: '' }) })).toEqual({
      allowed: false,
      message: "A GefyraBridge needs 'destinationIP'",
    });
    expect(
      checkBridge({
        operation: 'CREATE',
        object: bridge({ metadata: { name: 'b', labels: { 'gefyra.dev/client': 'dev-a' } } }),
      }),
    ).toEqual({
      allowed: false,
      message: 'A GefyraBridge needs the label(s) gefyra.dev/bridge-mount',
    });
  });

  it('refuses a bridge on a mount that is missing or not ACTIVE yet', () => {
    expect(checkBridge({ operation: 'CREATE', object: bridge() }, { ...activeMount, mountState: undefined })).toEqual({
      allowed: false,
      message: 'GefyraBridgeMount "web-mount" does not exist',
    });
    expect(
      checkBridge({ operation: 'CREATE', object: bridge() }, { ...activeMount, mountState: 'INSTALLING' }),
    ).toMatchObject({
      allowed: false,
      message: expect.stringContaining('is INSTALLING, not ACTIVE'),
    });
  });

  it('refuses a second bridge with the same rules on the mount, in any key order; other rules are fine', () => {
    const rules = { rules: [{ match: [{ matchHeader: { type: 'exact', value: 'a', name: 'x-dev' } }] }] };
    const existing = {
      ...activeMount,
      otherBridges: [{ name: 'dev-b-web', target: 'web-mount', providerParameter: rules }],
    };
    expect(checkBridge({ operation: 'CREATE', object: bridge() }, existing)).toEqual({
      allowed: false,
      message:
        'GefyraBridge dev-b-web on web-mount already takes every request these rules match ' +
        '(carrier2 gives a request to the oldest bridge whose rules hit): make the rules narrower or different',
    });
    const other = { rules: [{ match: [{ matchPath: { path: '/b', type: 'prefix' } }] }] };
    expect(checkBridge({ operation: 'CREATE', object: bridge({ providerParameter: other }) }, existing)).toEqual({
      allowed: true,
    });
  });

  it('refuses a bridge an older one shadows (a header name in another case, a path under its prefix)', () => {
    const older = (providerParameter: unknown) => ({
      ...activeMount,
      otherBridges: [{ name: 'dev-b-web', target: 'web-mount', providerParameter }],
    });
    const header = { rules: [{ match: [{ matchHeader: { name: 'X-Dev', value: 'a', type: 'exact' } }] }] };
    expect(checkBridge({ operation: 'CREATE', object: bridge() }, older(header))).toMatchObject({ allowed: false });
    const api = { rules: [{ match: [{ matchPath: { path: '/api', type: 'prefix' } }] }] };
    const apiOrders = { rules: [{ match: [{ matchPath: { path: '/api/orders', type: 'exact' } }] }] };
    expect(
      checkBridge({ operation: 'CREATE', object: bridge({ providerParameter: apiOrders }) }, older(api)),
    ).toMatchObject({ allowed: false, message: expect.stringContaining('GefyraBridge dev-b-web on web-mount') });
    // The other way round the newer bridge only shares some requests: admitted (the controller warns).
    expect(checkBridge({ operation: 'CREATE', object: bridge({ providerParameter: api }) }, older(apiOrders))).toEqual({
      allowed: true,
    });
    // A bridge on another mount never shadows.
    expect(
      checkBridge(
        { operation: 'CREATE', object: bridge() },
        { ...activeMount, otherBridges: [{ name: 'x', target: 'other-mount', providerParameter: header }] },
      ),
    ).toEqual({ allowed: true });
  });

  it('refuses rules carrier2 would not load or would panic on, and port mappings it cannot use', () => {
    const noType = { rules: [{ match: [{ matchPath: { path: '/api' } }] }] };
    expect(checkBridge({ operation: 'CREATE', object: bridge({ providerParameter: noType }) })).toEqual({
      allowed: false,
      message:
        "The GefyraBridge's rules cannot be used: rules[0].match[0].matchPath.type: must be one of exact, prefix, regex",
    });
    const badRegex = { rules: [{ match: [{ matchHeader: { name: 'x-dev', value: '(a', type: 'regex' } }] }] };
    expect(checkBridge({ operation: 'CREATE', object: bridge({ providerParameter: badRegex }) })).toMatchObject({
      allowed: false,
      message: expect.stringContaining('does not compile'),
    });
    expect(checkBridge({ operation: 'CREATE', object: bridge({ portMappings: ['80'] }) })).toEqual({
      allowed: false,
      message: 'portMappings entry "80" is not "<localPort>:<containerPort>"',
    });
  });

  it('keeps target, connectionProvider and portMappings fixed on UPDATE; destinationIP may change', () => {
    expect(
      checkBridge({
        operation: 'UPDATE',
        oldObject: bridge(),
        object: bridge({ portMappings: ['9090:80'], connectionProvider: 'x' }),
      }),
    ).toEqual({
      allowed: false,
      message: "Cannot change 'connectionProvider', 'portMappings' of a GefyraBridge: delete it and create a new one",
    });
    expect(
      checkBridge({
        operation: 'UPDATE',
        oldObject: bridge(),
        object: bridge({ destinationIP: '172.30.0.3', state: 'ACTIVE' }),
      }),
    ).toEqual({ allowed: true });
  });

  it("refuses a destination outside its own client's subnet with a message naming the subnet, on CREATE and when UPDATE re-points it", () => {
    const intoDevB =
      "destinationIP 172.31.0.2 is outside 172.30.0.0/16, the subnet of GefyraClient dev-a: a bridge may only send traffic to its own client's containers";
    expect(checkBridge({ operation: 'CREATE', object: bridge({ destinationIP: '172.31.0.2' }) })).toEqual({
      allowed: false,
      message: intoDevB,
    });
    expect(
      checkBridge({ operation: 'UPDATE', oldObject: bridge(), object: bridge({ destinationIP: '172.31.0.2' }) }),
    ).toEqual({ allowed: false, message: intoDevB });
  });

  it('lets the operator patch a bridge whose client has disconnected, as long as the destination stays', () => {
    const disconnected = { ...activeMount, owner: { name: 'dev-a', subnet: undefined } };
    expect(
      checkBridge({ operation: 'UPDATE', oldObject: bridge(), object: bridge({ state: 'ERROR' }) }, disconnected),
    ).toEqual({ allowed: true });
    expect(
      checkBridge(
        { operation: 'UPDATE', oldObject: bridge(), object: bridge({ destinationIP: '172.30.0.9' }) },
        disconnected,
      ),
    ).toMatchObject({
      allowed: false,
      message: expect.stringContaining('GefyraClient dev-a has no subnet'),
    });
  });

  it('is narrowed by GEFYRA_DESTINATION_SUBNETS', () => {
    const narrowed = { ...activeMount, destinationSubnets: [parseSubnet('172.30.5.0/24')!] };
    expect(checkBridge({ operation: 'CREATE', object: bridge() }, narrowed)).toEqual({
      allowed: false,
      message: 'destinationIP 172.30.0.2 is outside the subnets the operator allows (172.30.5.0/24)',
    });
    expect(checkBridge({ operation: 'CREATE', object: bridge({ destinationIP: '172.30.5.7' }) }, narrowed)).toEqual({
      allowed: true,
    });
  });
});
