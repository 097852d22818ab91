import { describe, expect, it } from 'vitest';
import { loadGefyra2Config } from '../../../../src/plugins/gefyra2/gefyra2-config.js';
import { ConfigurationError } from '../../../../src/environment.js';
import { loadConfig } from '../../../../src/config.js';

describe('the Gefyra 2 configuration', () => {
  it('serves the 0.13 contract by default, and the 2.x one when the 2.5 client made the Deployment', () => {
    expect(loadGefyra2Config({}).contract).toBe('0.13');
    expect(loadGefyra2Config({ GEFYRA_PEER_SUBNET: '0.0.0.0/0' }).contract).toBe('0.13');
    expect(loadGefyra2Config({ GEFYRA_STOWAWAY_STORAGE: '64' }).contract).toBe('2');
    expect(loadGefyra2Config({ GEFYRA_CARRIER2_IMAGE: 'quay.io/gefyra/carrier2' }).contract).toBe('2');
    expect(loadGefyra2Config({ OP_MODE: 'webhook' })).toMatchObject({ contract: '2', mode: 'webhook' });
  });

  it('lets GEFYRA_CLIENT_CONTRACT decide over the detection', () => {
    expect(loadGefyra2Config({ GEFYRA_CLIENT_CONTRACT: '2' }).contract).toBe('2');
    expect(loadGefyra2Config({ GEFYRA_CLIENT_CONTRACT: '0.13', GEFYRA_STOWAWAY_STORAGE: '64' }).contract).toBe('0.13');
  });

  it("honours the contract's own variables, with Gefyra's defaults", () => {
    expect(loadGefyra2Config({})).toMatchObject({
      mode: 'operator',
      carrier2Image: 'quay.io/gefyra/carrier2',
      carrier2Debug: false,
      bridgeMountMissingGracePeriodSeconds: 86_400,
      reconciliationIntervalSeconds: 1800,
      webhook: {
        port: 9443,
        service: 'gefyra-admission',
        tlsSecret: 'gefyra-admission-tls',
        configuration: 'gefyra.dev',
      },
    });
    expect(loadGefyra2Config({ GEFYRA_CARRIER2_IMAGE_TAG: '2.5.4', GEFYRA_CARRIER2_DEBUG: 'True' })).toMatchObject({
      carrier2ImageTag: '2.5.4',
      carrier2Debug: true,
    });
  });

  it("takes the whole environment of the 2.5 client's operator Deployment, and the core configuration takes it too", () => {
    const fromClient = {
      GEFYRA_STOWAWAY_IMAGE: 'quay.io/gefyra/stowaway',
      GEFYRA_STOWAWAY_TAG: '2.5.4',
      GEFYRA_CARRIER_IMAGE: 'quay.io/gefyra/carrier',
      GEFYRA_CARRIER_IMAGE_TAG: '2.5.4',
      GEFYRA_STOWAWAY_STORAGE: '64',
      GEFYRA_STOWAWAY_MAX_CONNECTION_AGE: '-1',
      GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: 'False',
      GEFYRA_CARRIER2_IMAGE: 'quay.io/gefyra/carrier2',
      GEFYRA_CARRIER2_IMAGE_TAG: '2.5.4',
      GEFYRA_CARRIER2_DEBUG: 'False',
    };
    expect(loadGefyra2Config(fromClient)).toMatchObject({ contract: '2', mode: 'operator', carrier2Debug: false });
    expect(loadConfig(fromClient).namespace).toBe('gefyra');
    expect(loadGefyra2Config({ ...fromClient, OP_MODE: 'webhook' }).mode).toBe('webhook');
  });

  it('reports every bad value at once', () => {
    const load = () =>
      loadGefyra2Config({
        OP_MODE: 'proxy',
        GEFYRA_CARRIER2_DEBUG: 'maybe',
        GEFYRA_OPERATOR_RECONCILIATION_INTERVAL: 'often',
      });
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(
      /OP_MODE must be operator or webhook[\s\S]*GEFYRA_CARRIER2_DEBUG must be true or false[\s\S]*GEFYRA_OPERATOR_RECONCILIATION_INTERVAL must be a number/,
    );
  });
});
