import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../src/domain/errors.js';
import type { Manifest, ObjectRef } from '../../../../src/ports/cluster-api.port.js';
import {
  createSimulatedOperator,
  type SimulatedOperator,
} from '../../../support/simulated-cluster/simulated-operator.js';
import { until, useRunningOperators } from '../../../support/running-operators.js';
import {
  addTarget,
  createRequest,
  proxyServices,
  readRequest,
  routeConfigMap,
  signal,
} from '../../../support/scenario.js';

const { start } = useRunningOperators();

const service = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Service', namespace: 'gefyra', name });
const ROUTES: ObjectRef = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: 'gefyra',
  name: 'gefyra-stowaway-proxyroutes',
};
const SECRET: ObjectRef = { apiVersion: 'v1', kind: 'Secret', namespace: 'gefyra', name: 'gefyra-cargo-connection' };
const present = (operator: SimulatedOperator, ref: ObjectRef) => () => operator.cluster.peek(ref) !== undefined;

/** Issue 13, defect 6: the operator's objects, changed or deleted while it runs, are restored at once (not at a restart). */
describe('drift repair while the operator runs', () => {
  it("restores an intercept's proxy Service deleted by hand", async () => {
    const operator = await createSimulatedOperator();
    addTarget(operator);
    const runnable = await start(operator);
    await createRequest(operator);
    await until(runnable, async () => (await readRequest(operator))?.['established'] === true);
    const [proxy] = proxyServices(operator);

    await operator.cluster.remove(service(proxy!), signal);

    await until(runnable, present(operator, service(proxy!)));
    expect(operator.cluster.peek(service(proxy!))?.metadata.annotations?.['gefyra.dev/route-owner']).toBe(
      'web-to-shop.pod.web-7d9c6b5f4-abcde',
    );
  });

  // Issue 18, item 8: without it the request stayed Established without its route until the resync (minutes).
  it("restores an intercept's route entry removed by hand from the route table, through the table's watch (no resync)", async () => {
    const operator = await createSimulatedOperator();
    addTarget(operator);
    addTarget(operator, { name: 'web-other' });
    const runnable = await start(operator);
    await createRequest(operator);
    await createRequest(operator, { targetPod: 'web-other' }, 'other');
    await until(
      runnable,
      async () =>
        (await readRequest(operator))?.['established'] === true &&
        (await readRequest(operator, 'other'))?.['established'] === true,
    );
    const before = routeConfigMap(operator);
    const [removed] = Object.keys(before).filter((key) => key.startsWith('web-to-shop.'));
    const stored = operator.cluster.peek(ROUTES) as Manifest;

    await operator.cluster.replace(
      { ...stored, data: Object.fromEntries(Object.entries(before).filter(([key]) => key !== removed)) },
      signal,
    );

    // Only watch events and the queues' work: the clock stands still, so no resync runs.
    await until(runnable, () => routeConfigMap(operator)[removed!] !== undefined);
    expect(routeConfigMap(operator)).toEqual(before);
    expect((await readRequest(operator))?.['established']).toBe(true);
  });

  it.each([
    ['the WireGuard Service', service('gefyra-stowaway-wireguard')],
    ['the rsync Service', service('gefyra-stowaway-rsync')],
    ['the connection Secret', SECRET],
  ])('restores %s, and is not ready until it has', async (_, ref) => {
    const operator = await createSimulatedOperator();
    const runnable = await start(operator);
    await until(runnable, () => runnable.runtime.ready());
    // The first attempt to restore it fails: meanwhile the installation is degraded.
    operator.cluster.failNext(
      'apply',
      new DomainError('Unavailable', 'injected'),
      ([manifest]) => (manifest as Manifest).metadata.name === ref.name,
    );

    await operator.cluster.remove(ref, signal);
    await new Promise((resolve) => setImmediate(resolve)); // the watch event arrives

    expect(runnable.runtime.ready()).toBe(false);
    // The retry follows the work queue's backoff timer.
    await until(runnable, present(operator, ref), 500, { clock: operator.clock, stepMs: 10 });
    await until(runnable, () => runnable.runtime.ready());
  });

  it('restores the connection Secret edited by hand', async () => {
    const operator = await createSimulatedOperator();
    const runnable = await start(operator);
    await until(runnable, () => runnable.runtime.ready());
    const before = operator.cluster.peek(SECRET)?.['data'] as Record<string, string>;
    const [key] = Object.keys(before);

    await operator.cluster.patch(
      SECRET,
      { data: { [key!]: Buffer.from('evil.example:1').toString('base64') } },
      signal,
    );

    await until(runnable, () => JSON.stringify(operator.cluster.peek(SECRET)?.['data']) === JSON.stringify(before));
  });
});
