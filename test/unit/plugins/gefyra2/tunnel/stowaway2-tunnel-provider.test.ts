import { describe, expect, it } from 'vitest';
import { STOWAWAY2 } from '../../../../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import { Stowaway2Routes } from '../../../../../src/plugins/gefyra2/tunnel/stowaway2-routes.js';
import { Stowaway2TunnelProvider } from '../../../../../src/plugins/gefyra2/tunnel/stowaway2-tunnel-provider.js';
import { stowaway2SettingsOf } from '../../../../../src/plugins/gefyra2/tunnel/stowaway2-settings.js';
import { gefyra2, NAMESPACE, signal } from '../../../../support/gefyra2-fixture.js';
import { pluginContext } from '../../../../support/plugin-context.js';

describe('Stowaway2TunnelProvider.uninstall', () => {
  it("removes the proxy Services with Stowaway, its bridges' and those the original operator left", async () => {
    const { cluster, clock } = await gefyra2();
    await new Stowaway2Routes(cluster, clock, NAMESPACE).route(
      { bridge: 'web-alice', client: 'alice' },
      [{ containerPort: 80, destination: '172.18.0.3:8080' }],
      signal(),
    );
    // 2.5.4's own Service: no owner annotation.
    await cluster.create(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'gefyra-stowaway-proxy-10001',
          namespace: NAMESPACE,
          labels: { 'gefyra.dev/app': 'stowaway', 'gefyra.dev/role': 'proxy', 'gefyra.dev/proxy-port': '10001' },
        },
        spec: { selector: STOWAWAY2.labels, ports: [{ name: '10001', port: 10001, targetPort: 10001 }] },
      },
      signal(),
    );
    const settings = stowaway2SettingsOf(pluginContext({}, NAMESPACE));
    await new Stowaway2TunnelProvider(cluster, clock, settings, 1000).uninstall(signal());
    expect(cluster.objects({ apiVersion: 'v1', kind: 'Service' }).map((service) => service.metadata.name)).toEqual([]);
    expect(cluster.objects({ apiVersion: 'v1', kind: 'ConfigMap' }).map((map) => map.metadata.name)).not.toContain(
      STOWAWAY2.routesConfigMap,
    );
  });
});
