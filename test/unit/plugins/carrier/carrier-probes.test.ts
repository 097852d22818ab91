import { describe, expect, it } from 'vitest';
import type { Probe } from '../../../../src/domain/cluster/pod.js';
import { carrierProbeProblems } from '../../../../src/plugins/carrier/carrier-probes.js';
import { container, owner, pod } from '../../../support/domain-builders.js';

const target = (probes: Partial<Record<'liveness' | 'readiness' | 'startup', Probe>>, handleProbes = true) => ({
  pod: pod({ containers: [container({ probes, ports: [{ containerPort: 8080, protocol: 'TCP', name: 'http' }] })] }),
  container: 'web',
  owner,
  handleProbes,
});

const reasonsOf = (problems: readonly { reason: string }[]) => problems.map((problem) => problem.reason);

describe("Carrier's probe limits (its validate)", () => {
  it.each<[string, Partial<Record<'liveness' | 'readiness' | 'startup', Probe>>, string[]]>([
    ['an exec probe cannot be answered', { liveness: { kind: 'exec' } }, ['UnsupportedProbe']],
    ['a tcpSocket probe cannot be answered', { readiness: { kind: 'tcpSocket', port: 8080 } }, ['UnsupportedProbe']],
    [
      'an HTTP probe on a port name the container does not declare cannot be answered',
      { readiness: { kind: 'httpGet', port: 'metrics' } },
      ['UnresolvedProbePort'],
    ],
    ['an HTTP probe on a declared port name can', { readiness: { kind: 'httpGet', port: 'http' } }, []],
    ['an HTTP probe on a port number can', { liveness: { kind: 'httpGet', port: 9090 } }, []],
  ])('%s', (_name, probes, reasons) => {
    expect(reasonsOf(carrierProbeProblems(target(probes)))).toEqual(reasons);
  });

  it('says which probe and why, and how to bridge anyway', () => {
    expect(carrierProbeProblems(target({ liveness: { kind: 'exec' } }))[0]?.message).toMatch(
      /has a exec liveness probe, which Carrier cannot answer; .*bridge without probe handling/,
    );
  });

  it('has nothing against any probe when probes are not handled', () => {
    expect(
      carrierProbeProblems(
        target({ liveness: { kind: 'exec' }, readiness: { kind: 'httpGet', port: 'metrics' } }, false),
      ),
    ).toEqual([]);
  });
});
