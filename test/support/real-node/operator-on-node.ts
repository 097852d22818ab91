import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  CoreV1Api,
  Exec,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { buildCarrierStandIn, buildDemoAppImage, buildStowawayStandIn } from './stand-in-images.js';

/** The operator Deployment's container with `environment` added, as a kustomize patch would add it. */
export function withOperatorEnvironment(
  objects: readonly KubernetesObject[],
  environment: Readonly<Record<string, string>>,
): KubernetesObject[] {
  return objects.map((object) => {
    if (object.kind !== 'Deployment') return object;
    const deployment = structuredClone(object) as V1Deployment;
    for (const container of deployment.spec?.template.spec?.containers ?? []) {
      container.env = [
        ...(container.env ?? []).filter((entry) => !(entry.name in environment)),
        ...Object.entries(environment).map(([name, value]) => ({ name, value })),
      ];
    }
    return deployment;
  });
}

/** Builds the stand-ins' and the demo app's archives in `dir` (while the node starts). */
export async function buildStandInArchives(dir: string): Promise<{ archives: string[]; seconds: number }> {
  const startedAt = Date.now();
  await mkdir(dir, { recursive: true });
  const archives: string[] = [];
  for (const [name, build] of [
    ['stowaway-stand-in', buildStowawayStandIn],
    ['carrier-stand-in', buildCarrierStandIn],
    ['demo-app', buildDemoAppImage],
  ] as const) {
    archives.push(join(dir, `${name}.oci.tar`));
    await build(archives.at(-1) as string);
  }
  return { archives, seconds: (Date.now() - startedAt) / 1000 };
}

export async function operatorPods(kubeConfig: KubeConfig, namespace: string): Promise<V1Pod[]> {
  const pods = await kubeConfig
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/name=gefyra-operator' });
  return pods.items;
}

/** Fails at once on a pod the kubelet cannot start, with the kubelet's reason. */
export function throwIfStuck(pods: readonly V1Pod[]): void {
  for (const pod of pods) {
    const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
    if (
      waiting?.reason !== undefined &&
      /ErrImageNeverPull|CreateContainerError|CrashLoopBackOff/.test(waiting.reason)
    ) {
      throw new Error(`pod ${pod.metadata?.name}: ${waiting.reason}: ${waiting.message ?? ''}`);
    }
  }
}

export interface ContainerRef {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

export function operatorContainer(namespace: string, pod: string): ContainerRef {
  return { namespace, pod, container: 'operator' };
}

/** Runs `command` in the container (exec through the API server and the node's kubelet); its stdout. */
export async function execIn(kubeConfig: KubeConfig, target: ContainerRef, command: string[]): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    void new Exec(kubeConfig)
      .exec(target.namespace, target.pod, target.container, command, stdout, stderr, null, false, (status) =>
        status.status === 'Success' ? resolve() : reject(new Error(`exec failed: ${JSON.stringify(status)} ${err}`)),
      )
      .catch(reject);
  });
  return out;
}
