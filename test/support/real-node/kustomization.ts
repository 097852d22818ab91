import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
} from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';

interface PodTemplateOwner extends KubernetesObject {
  spec: { template: { spec: { containers: { image?: string; imagePullPolicy?: string }[] } } };
}

/**
 * The objects of a kustomization (its `resources`, in order: the only feature
 * deploy/ uses) with every container image replaced by `image`, pulled Never:
 * the image must be the one imported into the node.
 */
export async function kustomizationObjects(kustomizationDir: string, image: string): Promise<KubernetesObject[]> {
  const kustomization = parse(await readFile(join(kustomizationDir, 'kustomization.yaml'), 'utf8')) as {
    resources: string[];
  };
  const objects: KubernetesObject[] = [];
  for (const resource of kustomization.resources) {
    const text = await readFile(join(kustomizationDir, resource), 'utf8');
    for (const document of parseAllDocuments(text)) {
      const object = document.toJS() as KubernetesObject | null;
      if (object !== null) objects.push(withImage(object, image));
    }
  }
  return objects;
}

function withImage(object: KubernetesObject, image: string): KubernetesObject {
  if (!['Deployment', 'StatefulSet', 'DaemonSet'].includes(object.kind ?? '')) return object;
  const owner = object as PodTemplateOwner;
  for (const container of owner.spec.template.spec.containers) {
    container.image = image;
    container.imagePullPolicy = 'Never';
  }
  return owner;
}

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

/**
 * Creates each object in order, as `kubectl apply` does on an empty cluster:
 * the manifest's JSON as it is. (client-node's KubernetesObjectApi serialises
 * through its typed models, which drop the keys they spell otherwise, such as
 * a CRD schema's `x-kubernetes-int-or-string`: the API server then refused
 * deploy/gefyra2's GefyraClient CRD that kubectl creates.)
 */
export async function createAll(kubeConfig: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const api = new KubernetesClusterApi(kubeConfig, 'kubectl-client-side-apply');
  for (const object of objects) await api.create(object as Manifest, new AbortController().signal);
}

export const DEPLOY_DIR = join(dirname(new URL(import.meta.url).pathname), '../../../deploy');
/** The Gefyra 2 installation a platform engineer applies with `kubectl apply -k deploy/gefyra2`. */
export const GEFYRA2_DEPLOY_DIR = join(DEPLOY_DIR, 'gefyra2');

/** Deletes each object in order, as `kubectl delete -k` does (background cascading, missing ones skipped). */
export async function deleteAll(kubeConfig: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  for (const object of objects) {
    await api.delete(object, undefined, undefined, undefined, undefined, 'Background').catch((error: unknown) => {
      if ((error as { code?: number }).code !== 404) throw error;
    });
  }
}
