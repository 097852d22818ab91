import { findContainer, type Probe, probePortNumber } from '../../domain/cluster/pod.js';
import type { CarrierProblem, CarrierTarget } from '../../ports/carrier-installer.port.js';

/**
 * Which probes Carrier can keep alive while it stands in for a container:
 * only httpGet probes (its nginx answers them with 200), and only on a port
 * number, because setprobe.sh writes the port into nginx's config as given
 * and a name would break every later reload.
 */
export function carrierProbeProblems(target: CarrierTarget): CarrierProblem[] {
  if (!target.handleProbes) return [];
  const container = findContainer(target.pod, target.container);
  if (!container) return [];
  const probes = Object.entries(container.probes) as [string, Probe | undefined][];
  const unsupported = probes.find(([, probe]) => probe && probe.kind !== 'httpGet');
  if (unsupported) {
    const [which, probe] = unsupported as [string, Probe];
    return [
      {
        reason: 'UnsupportedProbe',
        message:
          `container ${target.container} has a ${probe.kind} ${which} probe, which Carrier cannot answer; ` +
          'only httpGet probes can be handled (bridge without probe handling to keep the probes as they are)',
      },
    ];
  }
  const unresolved = probes.find(
    ([, probe]) => probe?.kind === 'httpGet' && probePortNumber(probe.port, container.ports) === undefined,
  );
  if (unresolved) {
    const [which, probe] = unresolved as [string, Probe & { port: number | string }];
    return [
      {
        reason: 'UnresolvedProbePort',
        message:
          `the ${which} probe of container ${target.container} uses port "${probe.port}", ` +
          `which the container does not declare by that name; Carrier can only answer a port number`,
      },
    ];
  }
  return [];
}
