import { recordAt, stringMapAt, type JsonRecord } from '../../../../domain/json-reading.js';
import type { Manifest } from '../../../../ports/cluster-api.port.js';

/**
 * The shadow of a mounted workload (contract §4 "Clone"): a copy that keeps
 * serving what no bridge wants, behind a Service of its own. Its label values
 * get `-gefyra` so that the original's selectors and Services never pick its
 * pods; the pods carry the mount's duplication id, which the Service selects.
 */
export const DUPLICATION_ID_LABEL = 'bridge.gefyra.dev/duplication-id';

/** Annotations a copy must not carry over: kubectl's record of the original and the Deployment's revision. */
const NOT_COPIED_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
];

/** `<name><suffix>`, the name cut so that the whole stays within Kubernetes' 63 characters. */
export function conformName(name: string, suffix: string, maxLength = 63): string {
  return name.length + suffix.length <= maxLength
    ? `${name}${suffix}`
    : `${name.slice(0, maxLength - suffix.length)}${suffix}`;
}

export const shadowNameOf = (workloadName: string): string => conformName(workloadName, '-gefyra');
export const shadowServiceNameOf = (workloadName: string, container: string): string =>
  conformName(`${workloadName}-${container}`, '-gefyra-svc');

const shadowLabels = (labels: Readonly<Record<string, string>> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(labels ?? {}).map(([key, value]) => [key, conformName(value, '-gefyra')]));

/**
 * The shadow of a Deployment, StatefulSet or Pod as read from the cluster.
 * `duplicationId` is the mount's own and never changes, so preparing again
 * gives the same shadow and does not roll it (Gefyra 2.5.4 made a new one on
 * every prepare, #1247).
 */
export function shadowWorkload(workload: Manifest, duplicationId: string): Manifest {
  const { metadata } = workload;
  const isPod = workload.kind === 'Pod';
  const spec = recordAt(workload, 'spec') ?? {};
  const annotations = Object.fromEntries(
    Object.entries(metadata.annotations ?? {}).filter(([key]) => !NOT_COPIED_ANNOTATIONS.includes(key)),
  );
  const labels = shadowLabels(metadata.labels);
  const shadow: Manifest = {
    apiVersion: workload.apiVersion,
    kind: workload.kind,
    metadata: {
      name: shadowNameOf(metadata.name),
      ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
      labels: isPod ? { ...labels, [DUPLICATION_ID_LABEL]: duplicationId } : labels,
      annotations,
    },
    spec: isPod ? podSpecForCopy(spec) : controllerSpecForCopy(spec, duplicationId),
  };
  return shadow;
}

function controllerSpecForCopy(spec: JsonRecord, duplicationId: string): Record<string, unknown> {
  const template = recordAt(spec, 'template') ?? {};
  const templateMetadata = recordAt(template, 'metadata') ?? {};
  const selector = recordAt(spec, 'selector') ?? {};
  return {
    ...spec,
    selector: { ...selector, matchLabels: shadowLabels(stringMapAt(selector, 'matchLabels')) },
    template: {
      ...template,
      metadata: {
        ...templateMetadata,
        labels: {
          ...shadowLabels(stringMapAt(templateMetadata, 'labels')),
          [DUPLICATION_ID_LABEL]: duplicationId,
        },
      },
    },
  };
}

/** A bare Pod's copy is scheduled afresh: what the scheduler and the kubelet filled in is left out. */
function podSpecForCopy(spec: JsonRecord): Record<string, unknown> {
  const { nodeName: _nodeName, ...rest } = spec;
  return rest;
}

/** The shadow's Service: the container's ports, named `<port>-<index>`, selecting the mount's duplication id. */
export function shadowService(options: {
  readonly workloadName: string;
  readonly namespace: string;
  readonly container: string;
  readonly containerPorts: readonly number[];
  readonly labels: Readonly<Record<string, string>>;
  readonly duplicationId: string;
}): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: shadowServiceNameOf(options.workloadName, options.container),
      namespace: options.namespace,
      labels: { ...options.labels },
    },
    spec: {
      selector: { [DUPLICATION_ID_LABEL]: options.duplicationId },
      // `protocol` is a key of the ports list: server-side apply refuses an entry without it.
      ports: options.containerPorts.map((port, index) => ({
        name: `${port}-${index}`,
        port,
        targetPort: port,
        protocol: 'TCP',
      })),
    },
  };
}

/** The cluster upstreams carrier2 sends to for one port: the shadow Service's in-cluster name. */
export const shadowUpstreamOf = (
  service: { readonly name: string; readonly namespace: string },
  port: number,
): string => `${service.name}.${service.namespace}.svc.cluster.local:${port}`;

/** A copy of the HPA that scales the original Deployment, scaling the shadow instead; it takes the shadow's name. */
export function shadowHpa(hpa: Manifest, shadowName: string): Manifest {
  const spec = recordAt(hpa, 'spec') ?? {};
  return {
    apiVersion: hpa.apiVersion,
    kind: hpa.kind,
    metadata: {
      name: shadowName,
      ...(hpa.metadata.namespace === undefined ? {} : { namespace: hpa.metadata.namespace }),
      labels: { ...(hpa.metadata.labels ?? {}) },
    },
    spec: { ...spec, scaleTargetRef: { ...recordAt(spec, 'scaleTargetRef'), name: shadowName } },
  };
}
