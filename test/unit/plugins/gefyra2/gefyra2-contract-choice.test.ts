import { describe, expect, it } from 'vitest';
import { chooseContract } from '../../../../src/plugins/contract-choice.js';
import { loadWebhookSettings } from '../../../../src/plugins/gefyra2/webhook-settings.js';
import { ConfigurationError } from '../../../../src/environment.js';
import { loadConfig } from '../../../../src/config.js';

const contractOf = (environment: Record<string, string>) => chooseContract(environment).contract.contract.value;

describe('the choice of the Gefyra 2 contract', () => {
  it('serves the 0.13 contract by default, and the 2.x one when the 2.5 client made the Deployment', () => {
    expect(contractOf({})).toBe('0.13');
    expect(contractOf({ GEFYRA_PEER_SUBNET: '0.0.0.0/0' })).toBe('0.13');
    expect(contractOf({ GEFYRA_STOWAWAY_STORAGE: '64' })).toBe('2');
    expect(contractOf({ GEFYRA_CARRIER2_IMAGE: 'quay.io/gefyra/carrier2' })).toBe('2');
    const webhook = chooseContract({ OP_MODE: 'webhook' });
    expect(webhook.contract.name).toBe('gefyra2');
    expect(webhook.mode).toBe(webhook.contract.modes?.['webhook']);
  });

  it('lets GEFYRA_CLIENT_CONTRACT decide over the detection', () => {
    expect(contractOf({ GEFYRA_CLIENT_CONTRACT: '2' })).toBe('2');
    expect(contractOf({ GEFYRA_CLIENT_CONTRACT: '0.13', GEFYRA_STOWAWAY_STORAGE: '64' })).toBe('0.13');
  });

  it("gives the webhook Gefyra's defaults", () => {
    expect(loadWebhookSettings({})).toMatchObject({
      port: 9443,
      service: 'gefyra-admission',
      tlsSecret: 'gefyra-admission-tls',
      configuration: 'gefyra.dev',
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
    expect(chooseContract(fromClient)).toMatchObject({ contract: { name: 'gefyra2' }, mode: undefined });
    expect(loadConfig(fromClient).namespace).toBe('gefyra');
    expect(chooseContract({ ...fromClient, OP_MODE: 'webhook' }).mode).toBeDefined();
  });

  it('reports every bad value at once, whichever contract is chosen', () => {
    const load = () =>
      chooseContract({
        GEFYRA_CLIENT_CONTRACT: '0.13',
        OP_MODE: 'proxy',
        GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD: 'a day',
        GEFYRA_OPERATOR_RECONCILIATION_INTERVAL: 'often',
      });
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(
      /OP_MODE must be operator or webhook[\s\S]*GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD must be a number[\s\S]*GEFYRA_OPERATOR_RECONCILIATION_INTERVAL must be a number/,
    );
  });
});
