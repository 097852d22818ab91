import { isDeepStrictEqual } from 'node:util';
import { isRecord } from '../../../src/domain/json-reading.js';
import { kindKey } from '../../../src/adapters/in-memory/kind-registry.js';
import { invalid } from '../../../src/adapters/in-memory/invalid.js';
import type { KindRuleContext } from '../../../src/adapters/in-memory/write-rules.js';
import { allocateServiceFields } from './service-rules.js';
import {
  copyJson,
  metadataOf,
  type JsonObject,
  type StoredObject,
} from '../../../src/adapters/in-memory/stored-object.js';
import { DomainError } from '../../../src/domain/errors.js';

/**
 * Per-kind defaulting and validation the API server does on writes, as far as
 * the operator's code can observe it: pod specs are immutable apart from
 * images, Secret `data` is base64, Deployments need a
 * selector matching their template, Services get IPs and node ports. A fake
 * that accepted what a real API server refuses would let bugs through.
 * `live` is undefined on create. Changes `next` in place.
 */
export function applyKindRules(
  next: JsonObject,
  live: StoredObject | undefined,
  context: KindRuleContext,
  sameKind: () => readonly StoredObject[],
): void {
  refuseNewFinalizersWhileDeleting(live, next, context.what);
  switch (kindKey(String(next['apiVersion']), String(next['kind']))) {
    case '/Pod':
      return podRules(next, live, context.what);
    case '/Secret':
      return secretRules(next, context.what);
    case '/ConfigMap':
      return configMapRules(next, context.what);
    case '/Service':
      return allocateServiceFields(next, live, sameKind(), context.what);
    case '/Namespace':
      return namespaceRules(next);
    case 'apps/Deployment':
      return deploymentRules(next, live, context.what);
  }
}

function podRules(next: JsonObject, live: StoredObject | undefined, what: string): void {
  const containers = containersOf(next['spec'], 'containers');
  if (containers.length === 0) throw invalid(what, 'spec.containers', 'Required value');
  const names = new Set<string>();
  containers.forEach((container, index) => {
    const name = container['name'];
    if (typeof name !== 'string' || name === '')
      throw invalid(what, `spec.containers[${index}].name`, 'Required value');
    if (names.has(name)) throw invalid(what, `spec.containers[${index}].name`, `Duplicate value: "${name}"`);
    names.add(name);
    if (typeof container['image'] !== 'string' || container['image'] === '') {
      throw invalid(what, `spec.containers[${index}].image`, 'Required value');
    }
  });
  if (live && !isDeepStrictEqual(withoutImages(live['spec']), withoutImages(next['spec']))) {
    throw invalid(
      what,
      'spec',
      'Forbidden: pod updates may not change fields other than ' +
        '`spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, ' +
        '`spec.tolerations` (only additions to existing tolerations) ' +
        'or `spec.terminationGracePeriodSeconds` ' +
        '(allow it to be set to 1 if it was previously negative)',
    );
  }
}

function containersOf(spec: unknown, field: 'containers' | 'initContainers'): JsonObject[] {
  if (!isRecord(spec) || !Array.isArray(spec[field])) return [];
  return spec[field].filter(isRecord) as JsonObject[];
}

function withoutImages(spec: unknown): unknown {
  if (!isRecord(spec)) return spec;
  const copy = copyJson(spec) as JsonObject;
  for (const field of ['containers', 'initContainers'] as const) {
    for (const container of containersOf(copy, field)) delete container['image'];
  }
  return copy;
}

/** Validation only: the in-memory cluster's `secretRules` fold stringData into data. */
function secretRules(next: JsonObject, what: string): void {
  const data = isRecord(next['data']) ? next['data'] : {};
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' || !isBase64(value)) throw invalid(what, `data[${key}]`, 'illegal base64 data');
  }
  const stringData = isRecord(next['stringData']) ? next['stringData'] : {};
  for (const [key, value] of Object.entries(stringData)) {
    if (typeof value !== 'string') throw invalid(what, `stringData[${key}]`, 'must be a string');
  }
}

const isBase64 = (value: string): boolean => /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0;

function configMapRules(next: JsonObject, what: string): void {
  if (!isRecord(next['data'])) return;
  for (const [key, value] of Object.entries(next['data'])) {
    // As the API server: a key is a file name in the mounted volume.
    if (key.length > 253) throw invalid(what, `data[${key}]`, 'must be no more than 253 characters');
    if (!/^[-._a-zA-Z0-9]+$/.test(key))
      throw invalid(
        what,
        `data[${key}]`,
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
      );
    if (typeof value !== 'string') throw invalid(what, `data[${key}]`, 'must be a string');
  }
}

function namespaceRules(next: JsonObject): void {
  const spec: JsonObject = isRecord(next['spec']) ? { ...next['spec'] } : {};
  spec['finalizers'] ??= ['kubernetes'];
  next['spec'] = spec;
}

function deploymentRules(next: JsonObject, live: StoredObject | undefined, what: string): void {
  if (!isRecord(next['spec'])) throw invalid(what, 'spec', 'Required value');
  const spec = next['spec'] as JsonObject;
  spec['replicas'] ??= 1;
  const selector =
    isRecord(spec['selector']) && isRecord(spec['selector']['matchLabels'])
      ? spec['selector']['matchLabels']
      : undefined;
  if (!selector || Object.keys(selector).length === 0) throw invalid(what, 'spec.selector', 'Required value');
  const template = isRecord(spec['template']) ? spec['template'] : {};
  const labels =
    isRecord(template['metadata']) && isRecord(template['metadata']['labels']) ? template['metadata']['labels'] : {};
  if (!Object.entries(selector).every(([key, value]) => labels[key] === value)) {
    throw invalid(what, 'spec.template.metadata.labels', '`selector` does not match template `labels`');
  }
  if (containersOf(template['spec'], 'containers').length === 0)
    throw invalid(what, 'spec.template.spec.containers', 'Required value');
  const liveSpec = live && isRecord(live['spec']) ? live['spec'] : undefined;
  if (liveSpec && !isDeepStrictEqual(liveSpec['selector'], spec['selector'])) {
    throw invalid(what, 'spec.selector', 'field is immutable');
  }
}

/** Generic: an object being deleted takes no new finalizers. */
function refuseNewFinalizersWhileDeleting(live: StoredObject | undefined, next: JsonObject, what: string): void {
  if (live?.metadata.deletionTimestamp === undefined) return;
  const before = new Set(live.metadata.finalizers ?? []);
  const after = metadataOf(next)['finalizers'];
  if (Array.isArray(after) && after.some((finalizer) => !before.has(String(finalizer)))) {
    throw new DomainError(
      'Invalid',
      `${what} is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted`,
    );
  }
}
