import { describe, expect, it } from 'vitest';
import { until, useRunningOperators } from '../../../support/running-operators.js';
import { createSimulatedOperator } from '../../../support/simulated-cluster/simulated-operator.js';
import { addTarget, createRequest, readRequest, routeConfigMap } from '../../../support/scenario.js';

const { start } = useRunningOperators();

describe('a burst of requests with reads from watch caches', () => {
  it('gives every intercept its own proxy port', async () => {
    const operator = await createSimulatedOperator({ cache: true });
    const names = Array.from({ length: 12 }, (_, index) => `web-${index}`);
    for (const name of names) addTarget(operator, { name });
    const runnable = await start(operator);
    await until(runnable, async () => runnable.runtime.ready());

    await Promise.all(names.map((name) => createRequest(operator, { targetPod: name }, `req-${name}`)));
    await until(runnable, async () =>
      (await Promise.all(names.map((name) => readRequest(operator, `req-${name}`)))).every(
        (request) => request?.['established'] === true,
      ),
    );

    const ports = Object.values(routeConfigMap(operator)).map((value) => value.split(',')[1]);
    expect(ports).toHaveLength(12);
    expect(new Set(ports).size).toBe(12);
    const statusPorts = await Promise.all(
      names.map(
        async (name) =>
          ((await readRequest(operator, `req-${name}`))?.['status'] as { routes: { proxyPort: number }[] }).routes[0]
            ?.proxyPort,
      ),
    );
    expect(new Set(statusPorts).size).toBe(12);
  });
});
