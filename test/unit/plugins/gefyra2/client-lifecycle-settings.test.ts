import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../../src/environment.js';
import { clientLifecycleSettingsOf } from '../../../../src/plugins/gefyra2/client-lifecycle-settings.js';
import { gefyra2 } from '../../../support/gefyra2-fixture.js';

const maxAgeMs = (value: string) =>
  clientLifecycleSettingsOf({ GEFYRA_STOWAWAY_MAX_CONNECTION_AGE: value }).maxConnectionAgeMs;

describe('GEFYRA_STOWAWAY_MAX_CONNECTION_AGE', () => {
  it("means what Gefyra 2.5's operator makes of it: a limit only when positive", () => {
    // The 2.5 client writes "-1" for none; its operator limits only ages > 0.
    expect(maxAgeMs('-1')).toBeUndefined();
    expect(maxAgeMs('0')).toBeUndefined();
    expect(maxAgeMs('-30')).toBeUndefined();
    expect(maxAgeMs('3600')).toBe(3_600_000);
    expect(clientLifecycleSettingsOf({}).maxConnectionAgeMs).toBeUndefined();
    expect(() => maxAgeMs('an hour')).toThrow(ConfigurationError);
    expect(() => maxAgeMs('1.5')).toThrow(/GEFYRA_STOWAWAY_MAX_CONNECTION_AGE must be a whole number of seconds/);
  });

  it.each(['0', '-1'])('%s keeps a connection ACTIVE however long it lasts', async (value) => {
    const g = await gefyra2({ lifecycle: clientLifecycleSettingsOf({ GEFYRA_STOWAWAY_MAX_CONNECTION_AGE: value }) });
    await g.connect('dev-a', '172.18.0.0/16');
    await g.settle('dev-a');
    g.clock.advance(7 * 24 * 3_600_000);
    await g.settle('dev-a');
    expect(g.client('dev-a')?.state).toBe('ACTIVE');
    expect(g.livePeers().size).toBe(1);
  });

  it('a positive age ends the connection when it is reached, not before', async () => {
    const g = await gefyra2({ lifecycle: clientLifecycleSettingsOf({ GEFYRA_STOWAWAY_MAX_CONNECTION_AGE: '120' }) });
    await g.connect('dev-a', '172.18.0.0/16');
    await g.settle('dev-a');
    g.clock.advance(60_000);
    await g.settle('dev-a');
    expect(g.client('dev-a')?.state).toBe('ACTIVE');
    g.clock.advance(60_000);
    await g.settle('dev-a');
    expect(g.client('dev-a')?.state).toBe('WAITING');
  });

  it('reads GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT as the 2.5 client writes it', () => {
    expect(clientLifecycleSettingsOf({ GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: 'True' }).manageServiceAccounts).toBe(
      false,
    );
    expect(clientLifecycleSettingsOf({ GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: 'False' }).manageServiceAccounts).toBe(
      true,
    );
    expect(() => clientLifecycleSettingsOf({ GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: 'maybe' })).toThrow(
      /GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT must be true or false/,
    );
  });
});
