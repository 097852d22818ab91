import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../../../src/domain/cluster/pod.js';
import { carrier2InstallRefusal, carrier2ProbePorts } from '../../../../src/plugins/carrier2/carrier2-install.js';

const web = (probes: ContainerSpec['probes']): ContainerSpec => ({
  name: 'web',
  image: 'shop/web:1',
  ports: [{ containerPort: 8080, protocol: 'TCP', name: 'http' }],
  probes,
});

describe('carrier2InstallRefusal', () => {
  it('allows a pod with one owner and httpGet probes', () => {
    const pod = { name: 'web-1', ownerCount: 1, container: web({ readiness: { kind: 'httpGet', port: 'http' } }) };
    expect(carrier2InstallRefusal(pod, 'web')).toBeUndefined();
  });

  it.each([
    [{ name: 'web-1', ownerCount: 1, container: undefined }, 'has no container web'],
    [{ name: 'web-1', ownerCount: 2, container: web({}) }, 'has 2 owners'],
    [
      {
        name: 'web-1',
        ownerCount: 1,
        container: web({ liveness: { kind: 'exec' }, readiness: { kind: 'tcpSocket', port: 8080 } }),
      },
      'liveness (exec), readiness (tcpSocket)',
    ],
  ])('refuses %j', (pod, message) => {
    expect(carrier2InstallRefusal(pod, 'web')).toContain(message);
  });
});

describe('carrier2ProbePorts', () => {
  it('lists httpGet probe ports that are not container ports, once each', () => {
    expect(
      carrier2ProbePorts(
        web({
          liveness: { kind: 'httpGet', port: 9000 },
          readiness: { kind: 'httpGet', port: 'http' },
          startup: { kind: 'httpGet', port: 9000 },
        }),
      ),
    ).toEqual([9000]);
  });
});
