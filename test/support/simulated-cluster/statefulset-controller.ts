import { isRecord } from '../../../src/domain/json-reading.js';
import { controllerReference, isKind } from './deployment-controller.js';
import { toDomainPod } from '../../../src/adapters/kubernetes/shapes/pod-mapping.js';
import type { ObjectStore, StoreEvent } from '../../../src/adapters/in-memory/object-store.js';
import {
  copyJson,
  refOfStored,
  type JsonObject,
  type StoredObject,
} from '../../../src/adapters/in-memory/stored-object.js';

const STATEFUL_SET = { apiVersion: 'apps/v1', kind: 'StatefulSet' } as const;
const POD = { apiVersion: 'v1', kind: 'Pod' } as const;
const CLAIM = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' } as const;

/**
 * The StatefulSet controller, as far as Gefyra 2's Stowaway needs it: pods
 * `<name>-<ordinal>` made from the template, each with its claims
 * `<template>-<name>-<ordinal>` that outlive the pod (a deleted pod comes back
 * under the same name with the same volumes, as `/config` must). Template
 * changes apply to pods created afterwards (the OnDelete view of an update);
 * the status follows the pods' readiness.
 */
export class StatefulSetController {
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  handle(event: StoreEvent): void {
    const object = event.object;
    const namespace = object.metadata.namespace;
    if (namespace === undefined) return;
    if (isKind(object, STATEFUL_SET)) {
      if (event.type !== 'DELETED') this.#reconcile(namespace, object.metadata.name);
      return;
    }
    if (isKind(object, POD)) {
      const owner = (object.metadata.ownerReferences ?? []).find(
        (entry) => entry['controller'] === true && entry['kind'] === 'StatefulSet',
      );
      if (typeof owner?.['name'] === 'string') this.#reconcile(namespace, owner['name']);
    }
  }

  #reconcile(namespace: string, name: string): void {
    const set = this.#store.get({ ...STATEFUL_SET, namespace, name });
    if (!set || set.metadata.deletionTimestamp !== undefined) return;
    const spec = isRecord(set['spec']) ? set['spec'] : {};
    const replicas = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
    const template = isRecord(spec['template']) ? spec['template'] : {};
    const pods: StoredObject[] = [];
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      const podName = `${name}-${ordinal}`;
      this.#ensureClaims(set, spec, podName);
      const existing = this.#store.get({ ...POD, namespace, name: podName });
      if (existing) {
        pods.push(existing);
        continue;
      }
      const metadata = isRecord(template['metadata']) ? template['metadata'] : {};
      pods.push(
        this.#store.create({
          ...POD,
          metadata: { ...copyJson(metadata), name: podName, namespace, ownerReferences: [controllerReference(set)] },
          spec: { ...copyJson(isRecord(template['spec']) ? template['spec'] : {}), hostname: podName },
        }),
      );
    }
    const ready = pods.filter((pod) => pod.metadata.deletionTimestamp === undefined && toDomainPod(pod).ready).length;
    const status = {
      observedGeneration: set.metadata.generation,
      replicas: pods.length,
      readyReplicas: ready,
      currentReplicas: pods.length,
    };
    this.#store.update(refOfStored(set), { status }, 'status');
  }

  /** Claims are never removed with the pod: that is what makes its volume survive a restart. */
  #ensureClaims(set: StoredObject, spec: Readonly<JsonObject>, podName: string): void {
    const namespace = set.metadata.namespace ?? '';
    for (const template of Array.isArray(spec['volumeClaimTemplates']) ? spec['volumeClaimTemplates'] : []) {
      if (!isRecord(template) || !isRecord(template['metadata']) || typeof template['metadata']['name'] !== 'string')
        continue;
      const name = `${template['metadata']['name']}-${podName}`;
      if (this.#store.get({ ...CLAIM, namespace, name })) continue;
      this.#store.create({ ...CLAIM, metadata: { name, namespace }, spec: copyJson(template['spec'] ?? {}) });
    }
  }
}
