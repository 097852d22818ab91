import type { Manifest } from '../../src/ports/cluster-api.port.js';
import {
  createSimulatedOperator,
  servicesOf,
  type SimulatedOperator,
  type SimulatedOperatorOptions,
} from './simulated-cluster/simulated-operator.js';
import { clientRequest, type ClientRequestFields } from './intercept-request-fixtures.js';
import { targetContainerFields } from './target-container.js';

/**
 * A booted operator on the in-memory cluster with one target workload, and
 * short-hands to act as the Gefyra client would.
 */
export const signal: AbortSignal = new AbortController().signal;

export const TARGET = { namespace: 'shop', name: 'web-7d9c6b5f4-abcde', container: 'web' } as const;
export const REQUEST = { namespace: 'gefyra', name: 'web-to-shop.pod.web-7d9c6b5f4-abcde' } as const;

export interface TargetOptions {
  readonly name?: string;
  readonly containers?: readonly Record<string, unknown>[];
}

export function targetContainer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...targetContainerFields(), ...overrides };
}

export async function bootedOperator(options: SimulatedOperatorOptions = {}): Promise<SimulatedOperator> {
  const operator = await createSimulatedOperator(options);
  const outcome = await servicesOf(operator).boot.reconcile(signal);
  if (outcome.state !== 'ready') throw new Error(`boot did not become ready: ${JSON.stringify(outcome)}`);
  return operator;
}

export function addTarget(operator: SimulatedOperator, options: TargetOptions = {}) {
  return operator.cluster.addPod({
    metadata: { name: options.name ?? TARGET.name, namespace: TARGET.namespace, labels: { app: 'web' } },
    spec: { containers: options.containers ?? [targetContainer()] },
  });
}

export async function createRequest(
  operator: SimulatedOperator,
  fields: ClientRequestFields = {},
  name: string = REQUEST.name,
): Promise<Manifest> {
  return operator.cluster.create(
    clientRequest(
      { targetPod: TARGET.name, targetNamespace: TARGET.namespace, targetContainer: TARGET.container, ...fields },
      { name },
    ) as unknown as Manifest,
    signal,
  );
}

export async function readRequest(
  operator: SimulatedOperator,
  name: string = REQUEST.name,
): Promise<Manifest | undefined> {
  return operator.cluster.find(
    { apiVersion: 'gefyra.dev/v1', kind: 'InterceptRequest', namespace: REQUEST.namespace, name },
    signal,
  );
}

export async function deleteRequest(operator: SimulatedOperator, name: string = REQUEST.name): Promise<void> {
  await operator.cluster.remove(
    { apiVersion: 'gefyra.dev/v1', kind: 'InterceptRequest', namespace: REQUEST.namespace, name },
    signal,
  );
}

/** Reconciles a request until it settles (no requeue), advancing the clock over requeue delays. */
export async function settle(operator: SimulatedOperator, name: string = REQUEST.name, maxRounds = 20) {
  const { intercepts } = servicesOf(operator);
  for (let round = 0; round < maxRounds; round++) {
    const result = await intercepts.reconcile({ namespace: REQUEST.namespace, name }, signal);
    if (result.done) return result;
    operator.clock.advance(result.requeueAfterMs);
  }
  throw new Error(`request ${name} did not settle in ${maxRounds} rounds`);
}

export function eventsOf(
  operator: SimulatedOperator,
  regardingName?: string,
): { reason: string; type: string; note: string }[] {
  return operator.cluster
    .objects({ apiVersion: 'events.k8s.io/v1', kind: 'Event' })
    .filter((event) => regardingName === undefined || (event['regarding'] as { name: string }).name === regardingName)
    .map((event) => ({ reason: String(event['reason']), type: String(event['type']), note: String(event['note']) }));
}

export function routeConfigMap(operator: SimulatedOperator): Readonly<Record<string, string>> {
  return operator.cluster.readConfigMap('gefyra', 'gefyra-stowaway-proxyroutes') ?? {};
}

export function proxyServices(operator: SimulatedOperator): string[] {
  return operator.cluster
    .objects({ apiVersion: 'v1', kind: 'Service' })
    .map((service) => service.metadata.name)
    .filter((name) => name.startsWith('gefyra-stowaway-proxy-'))
    .sort();
}
