import { describe, expect, it } from 'vitest';
import type { AdmissionInput, GefyraObject } from '../../../../../../src/domain/admission/admission-verdict.js';
import {
  validateClientParameters,
  type HeldSubnet,
} from '../../../../../../src/plugins/gefyra2/domain/admission/client-parameters.js';

const client = (fields: Record<string, unknown> = {}): GefyraObject => ({
  apiVersion: 'gefyra.dev/v1',
  kind: 'gefyraclient',
  metadata: { name: 'dev-a' },
  provider: 'stowaway',
  state: 'WAITING',
  ...fields,
});
const create = (fields: Record<string, unknown> = {}): AdmissionInput => ({
  operation: 'CREATE',
  object: client({ state: 'REQUESTED', ...fields }),
});
const update = (before: Record<string, unknown>, after: Record<string, unknown>): AdmissionInput => ({
  operation: 'UPDATE',
  oldObject: client(before),
  object: client(after),
});
const check = (input: AdmissionInput, otherSubnets: readonly HeldSubnet[] = []) =>
  validateClientParameters(input, { otherSubnets });

describe('/client-parameters on CREATE', () => {
  it('admits a client without providerParameter, and with an empty or null one (Python truthiness)', () => {
    expect(check(create())).toEqual({ allowed: true });
    expect(check(create({ providerParameter: {} }))).toEqual({ allowed: true });
    expect(check(create({ providerParameter: null }))).toEqual({ allowed: true });
  });

  it('refuses a providerParameter handed over at creation', () => {
    expect(check(create({ providerParameter: { subnet: '172.30.0.0/16' } }))).toEqual({
      allowed: false,
      message: "Cannot set 'providerParameter' when creating a Gefyra client",
    });
  });

  it("refuses a name whose WireGuard peer id another client has, naming that client; never on the client's or the operator's later patches", () => {
    const taken = { peerId: 'dev000a', client: 'dev.a' };
    expect(validateClientParameters(create(), { otherSubnets: [], peerIdTakenBy: taken })).toEqual({
      allowed: false,
      message:
        'The name "dev-a" gives the WireGuard peer id dev000a, ' +
        "which GefyraClient dev.a already has: the two would share one peer and each other's traffic. " +
        'Choose another name',
    });
    expect(
      validateClientParameters(update({}, { state: 'ERROR' }), { otherSubnets: [], peerIdTakenBy: taken }),
    ).toEqual({ allowed: true });
  });

  it('admits the sunset forms Python fromisoformat reads, Z stripped', () => {
    for (const sunset of [
      '2030-01-31',
      '2030-01-31T12:00:00Z',
      '2030-01-31T12:00:00.123456+02:00',
      '2030-01-31 12:00',
      '2030-01-31T12:00:00.5',
    ]) {
      expect(check(create({ sunset })), sunset).toEqual({ allowed: true });
    }
  });

  it('refuses a sunset that does not parse or names no real day', () => {
    for (const sunset of ['tomorrow', '2030-02-30T00:00:00', '2030-13-01', '2030-01-31T25:00:00', 42]) {
      const verdict = check(create({ sunset }));
      expect(verdict.allowed, String(sunset)).toBe(false);
      expect(verdict).toMatchObject({ message: expect.stringContaining("Cannot parse 'sunset'") });
    }
  });

  it('refuses a provider this operator does not serve', () => {
    expect(check(create({ provider: 'ssh' }))).toMatchObject({
      allowed: false,
      message: expect.stringContaining('Unknown provider "ssh"'),
    });
  });
});

describe('/client-parameters on UPDATE', () => {
  it('admits the subnet when the client is WAITING', () => {
    expect(check(update({}, { providerParameter: { subnet: '172.30.0.0/16' } }))).toEqual({ allowed: true });
  });

  it('refuses the subnet in any other state', () => {
    for (const state of ['REQUESTED', 'CREATING', 'ENABLING', 'ACTIVE', 'ERROR']) {
      expect(check(update({ state }, { state, providerParameter: { subnet: '172.30.0.0/16' } })), state).toEqual({
        allowed: false,
        message: "Cannot set 'providerParameter' when state is not WAITING",
      });
    }
  });

  it("admits the operator's own patches of an ACTIVE client that leave providerParameter as it is", () => {
    const active = { state: 'ENABLING', providerParameter: { subnet: '172.30.0.0/16' } };
    expect(
      check(update(active, { ...active, state: 'ACTIVE', providerConfig: { 'Interface.Address': '192.168.99.2' } }), [
        { holder: 'x', subnet: '172.30.0.0/16' },
      ]),
    ).toEqual({
      allowed: true,
    });
  });

  it('admits setting providerParameter back to null in any state (disable, maximum age)', () => {
    expect(
      check(
        update(
          { state: 'ACTIVE', providerParameter: { subnet: '172.30.0.0/16' } },
          { state: 'ACTIVE', providerParameter: null },
        ),
      ),
    ).toEqual({
      allowed: true,
    });
  });

  it('refuses a malformed subnet', () => {
    for (const subnet of ['172.30.0.0', '172.30.0.0/33', '300.1.1.1/16', 'fd00::/64', ' 172.30.0.0/16', 17]) {
      expect(check(update({}, { providerParameter: { subnet } })), String(subnet)).toMatchObject({
        allowed: false,
        message: expect.stringContaining("'providerParameter.subnet' must be an IPv4 CIDR"),
      });
    }
  });

  it("refuses a subnet that overlaps another client's or a peer Stowaway still has, naming who holds it", () => {
    const held = [
      { holder: 'GefyraClient dev-b', subnet: '172.30.0.0/16' },
      { holder: 'Stowaway peer devc', subnet: '10.10.0.0/24' },
    ];
    expect(check(update({}, { providerParameter: { subnet: '172.30.5.0/24' } }), held)).toEqual({
      allowed: false,
      message: 'Subnet 172.30.5.0/24 overlaps 172.30.0.0/16 of GefyraClient dev-b: choose another',
    });
    expect(check(update({}, { providerParameter: { subnet: '10.0.0.0/8' } }), held)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('Stowaway peer devc'),
    });
    expect(check(update({}, { providerParameter: { subnet: '172.31.0.0/16' } }), held)).toEqual({ allowed: true });
  });

  it('admits an unchanged subnet although another client now holds it (only a change is compared)', () => {
    const waiting = { providerParameter: { subnet: '172.30.0.0/16' } };
    expect(
      check(update(waiting, { ...waiting, sunset: '2030-01-01' }), [
        { holder: 'GefyraClient dev-b', subnet: '172.30.0.0/16' },
      ]),
    ).toEqual({ allowed: true });
  });

  it('still checks sunset on update', () => {
    expect(check(update({}, { sunset: 'soon' }))).toMatchObject({ allowed: false });
  });
});
