import { describe, expect, it } from 'vitest';
import { useE2eEnvironment } from './support/e2e-environment.js';
import {
  createInterceptRequest,
  deleteInterceptRequest,
  statusOf,
  waitForPhase,
  waitForRequestGone,
  type InterceptTarget,
} from './support/intercept-requests.js';
import { createTargetPod } from './support/target-pods.js';

const ROUNDS = 16;
const PER_ROUND = 6;

// Issue 13, defect 3: requests created and deleted at the same time. A
// finished request's teardown, run again from a stale cached copy, deleted
// the proxy Service of a port another request had just reserved; that
// request stayed established with no path for its traffic.
describe('churn: requests created and deleted at the same time', () => {
  const env = useE2eEnvironment({ freshComponents: true });

  /** Two sets of running target pods in a namespace of this test, and an operator done with its init phase. */
  async function targetsAndOperator(): Promise<InterceptTarget[][]> {
    const shop = await env.testNamespace('churn');
    const targets: InterceptTarget[][] = [[], []];
    for (const [set, pods] of targets.entries()) {
      for (let index = 0; index < PER_ROUND; index++)
        pods.push({ namespace: shop, pod: `web-${set}-${index}`, container: 'web' });
    }
    await Promise.all(
      targets.flat().map((target) => createTargetPod(env.admin(), env.node, { namespace: shop, name: target.pod })),
    );
    const operator = await env.startOperator();
    await operator.ready({ what: 'the init phase to complete' });
    return targets;
  }

  /** Every live request has its route in the table and a proxy Service it owns; no port is shared. */
  async function expectEveryRouteServed(live: readonly string[]): Promise<void> {
    const state = env.state();
    const table = Object.entries(await state.proxyRoutes());
    const services = new Map(
      (await state.list({ apiVersion: 'v1', kind: 'Service' }))
        .filter((service) => service.metadata.name.startsWith('gefyra-stowaway-proxy-'))
        .map((service) => [service.metadata.name, service.metadata.annotations?.['gefyra.dev/route-owner']]),
    );
    const ports: number[] = [];
    for (const name of live) {
      const request = await state.find({
        apiVersion: 'gefyra.dev/v1',
        kind: 'InterceptRequest',
        namespace: 'gefyra',
        name,
      });
      expect(request?.['established'], name).toBe(true);
      const port = statusOf(request).routes?.[0]?.proxyPort;
      expect(port, name).toBeDefined();
      ports.push(port!);
      expect(
        table.filter(([key, value]) => key.startsWith(`${name}_`) && value.endsWith(`,${port}`)),
        `route of ${name}`,
      ).toHaveLength(1);
      expect(services.has(`gefyra-stowaway-proxy-${port}`), `proxy Service of ${name}`).toBe(true);
      expect(services.get(`gefyra-stowaway-proxy-${port}`), `owner of the proxy Service of ${name}`).toBe(name);
    }
    expect(new Set(ports).size).toBe(ports.length);
  }

  it(`${ROUNDS} rounds of ${PER_ROUND} creates and ${PER_ROUND} deletes leave every established request its route and its Service`, async () => {
    const targets = await targetsAndOperator();
    let live: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const created = targets[round % 2]!.map((target) => ({ target, name: `r${round}-${target.pod}` }));
      const deleted = live;
      await Promise.all([
        ...created.map(({ target, name }) => createInterceptRequest(env.admin(), target, {}, { name })),
        ...deleted.map((name) => deleteInterceptRequest(env.admin(), name, { wait: false })),
      ]);
      await Promise.all([
        ...created.map(({ name }) => waitForPhase(env.admin(), name, 'Established', { timeoutMs: 60_000 })),
        ...deleted.map((name) => waitForRequestGone(env.admin(), name, { timeoutMs: 60_000 })),
      ]);
      live = created.map(({ name }) => name);
      await expectEveryRouteServed(live);
    }
    await Promise.all(live.map((name) => deleteInterceptRequest(env.admin(), name)));
    expect(await env.state().proxyServices()).toEqual([]);
  }, 600_000);
});
