import { createHash, randomBytes } from 'node:crypto';
import { isRecord } from '../../../src/domain/json-reading.js';
import { toDomainPod } from '../../../src/adapters/kubernetes/shapes/pod-mapping.js';
import { deploymentStatus, replicaSetStatus } from './deployment-status.js';
import type { ObjectStore, StoreEvent } from '../../../src/adapters/in-memory/object-store.js';
import {
  copyJson,
  refOfStored,
  timestamp,
  type JsonObject,
  type StoredObject,
} from '../../../src/adapters/in-memory/stored-object.js';

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
const REPLICA_SET = { apiVersion: 'apps/v1', kind: 'ReplicaSet' } as const;
const POD = { apiVersion: 'v1', kind: 'Pod' } as const;
const HASH_LABEL = 'pod-template-hash';
/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The Deployment and ReplicaSet controllers in one: a Deployment gets a
 * ReplicaSet `<deployment>-<template hash>` that owns `spec.replicas` pods
 * named `<replicaset>-<suffix>`; a template change makes a new ReplicaSet and
 * removes the old one (its pods go with it through garbage collection); a pod
 * that disappears is replaced; the statuses follow the pods' readiness.
 * Unlike a real rollout the switch is immediate (no surge, no history).
 */
export class DeploymentController {
  readonly #store: ObjectStore;
  readonly #now: () => Date;

  constructor(store: ObjectStore, now: () => Date) {
    this.#store = store;
    this.#now = now;
  }

  handle(event: StoreEvent): void {
    const object = event.object;
    const namespace = object.metadata.namespace;
    if (namespace === undefined) return;
    if (isKind(object, DEPLOYMENT)) {
      if (event.type !== 'DELETED') this.#reconcile(namespace, object.metadata.name);
      return;
    }
    if (isKind(object, REPLICA_SET)) {
      const owner = controllerOf(object, 'Deployment');
      if (owner) this.#reconcile(namespace, owner);
      return;
    }
    if (isKind(object, POD)) {
      const replicaSetName = controllerOf(object, 'ReplicaSet');
      const replicaSet =
        replicaSetName === undefined ? undefined : this.#store.get({ ...REPLICA_SET, namespace, name: replicaSetName });
      const owner = replicaSet && controllerOf(replicaSet, 'Deployment');
      if (owner) this.#reconcile(namespace, owner);
    }
  }

  #reconcile(namespace: string, name: string): void {
    const deployment = this.#store.get({ ...DEPLOYMENT, namespace, name });
    if (!deployment || deployment.metadata.deletionTimestamp !== undefined) return;
    const spec = isRecord(deployment['spec']) ? deployment['spec'] : {};
    const desired = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
    const template = isRecord(spec['template']) ? spec['template'] : {};
    const hash = templateHash(template);
    const current = this.#ensureReplicaSet(deployment, template, hash, desired);
    for (const old of this.#ownedBy(REPLICA_SET, namespace, deployment.metadata.uid)) {
      if (old.metadata.name !== current.metadata.name) this.#store.remove(refOfStored(old));
    }
    const pods = this.#scale(current, desired);
    const ready = pods.filter((pod) => toDomainPod(pod).ready).length;
    const now = timestamp(this.#now());
    this.#store.update(
      refOfStored(current),
      { status: replicaSetStatus(current.metadata.generation, pods.length, ready) },
      'status',
    );
    const counts = { desired, total: pods.length, updated: pods.length, ready };
    this.#store.update(
      refOfStored(deployment),
      { status: deploymentStatus(deployment, current.metadata.name, counts, now) },
      'status',
    );
  }

  #ensureReplicaSet(
    deployment: StoredObject,
    template: Readonly<JsonObject>,
    hash: string,
    replicas: number,
  ): StoredObject {
    const namespace = deployment.metadata.namespace ?? '';
    const name = `${deployment.metadata.name}-${hash}`;
    const existing = this.#store.get({ ...REPLICA_SET, namespace, name });
    const podTemplate = withHashLabel(template, hash);
    const templateLabels = labelsOf(podTemplate);
    const spec = isRecord(deployment['spec']) ? deployment['spec'] : {};
    const selector =
      isRecord(spec['selector']) && isRecord(spec['selector']['matchLabels']) ? spec['selector']['matchLabels'] : {};
    const desired: JsonObject = {
      ...REPLICA_SET,
      metadata: {
        name,
        namespace,
        labels: templateLabels,
        annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas) },
        ownerReferences: [controllerReference(deployment)],
      },
      spec: { replicas, selector: { matchLabels: { ...selector, [HASH_LABEL]: hash } }, template: podTemplate },
    };
    if (!existing) return this.#store.create(desired);
    return this.#store.update(
      refOfStored(existing),
      {
        ...desired,
        metadata: { ...(desired['metadata'] as JsonObject), finalizers: existing.metadata.finalizers ?? [] },
      },
      'main',
    );
  }

  /** Creates or removes pods until the ReplicaSet owns `replicas` live ones; returns them. */
  #scale(replicaSet: StoredObject, replicas: number): StoredObject[] {
    const namespace = replicaSet.metadata.namespace ?? '';
    const pods = this.#ownedBy(POD, namespace, replicaSet.metadata.uid).filter(
      (pod) => pod.metadata.deletionTimestamp === undefined,
    );
    while (pods.length > replicas) {
      const surplus = pods.pop();
      if (surplus) this.#store.remove(refOfStored(surplus));
    }
    const spec = isRecord(replicaSet['spec']) ? replicaSet['spec'] : {};
    const template = isRecord(spec['template']) ? spec['template'] : {};
    const metadata = isRecord(template['metadata']) ? template['metadata'] : {};
    while (pods.length < replicas) {
      pods.push(
        this.#store.create({
          ...POD,
          metadata: {
            ...copyJson(metadata),
            name: `${replicaSet.metadata.name}-${randomSuffix()}`,
            namespace,
            ownerReferences: [controllerReference(replicaSet)],
          },
          spec: copyJson(template['spec']),
        }),
      );
    }
    return pods;
  }

  #ownedBy(kind: { apiVersion: string; kind: string }, namespace: string, uid: string): StoredObject[] {
    return this.#store
      .list(kind, namespace)
      .filter((object) =>
        (object.metadata.ownerReferences ?? []).some((owner) => owner['uid'] === uid && owner['controller'] === true),
      );
  }
}

export function isKind(object: StoredObject, kind: { apiVersion: string; kind: string }): boolean {
  return object.apiVersion === kind.apiVersion && object.kind === kind.kind;
}

function controllerOf(object: StoredObject, kind: string): string | undefined {
  const owner = (object.metadata.ownerReferences ?? []).find(
    (entry) => entry['controller'] === true && entry['kind'] === kind,
  );
  return typeof owner?.['name'] === 'string' ? owner['name'] : undefined;
}

export function controllerReference(owner: StoredObject): JsonObject {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function labelsOf(template: Readonly<JsonObject>): Record<string, string> {
  const metadata = isRecord(template['metadata']) ? template['metadata'] : {};
  return isRecord(metadata['labels']) ? ({ ...metadata['labels'] } as Record<string, string>) : {};
}

function withHashLabel(template: Readonly<JsonObject>, hash: string): JsonObject {
  const copy = copyJson(template) as JsonObject;
  const metadata: JsonObject = isRecord(copy['metadata']) ? { ...copy['metadata'] } : {};
  metadata['labels'] = { ...labelsOf(copy), [HASH_LABEL]: hash };
  copy['metadata'] = metadata;
  return copy;
}

/** Stable across key order, so re-applying the same template never rolls the pods. */
function templateHash(template: Readonly<JsonObject>): string {
  const digest = createHash('sha256').update(stableJson(template)).digest();
  return Array.from(digest.subarray(0, 10), (byte) => SAFE[byte % SAFE.length]).join('');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function randomSuffix(): string {
  return Array.from(randomBytes(5), (byte) => SAFE[byte % SAFE.length]).join('');
}
