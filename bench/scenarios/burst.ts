import { CoreV1Api } from '@kubernetes/client-node';
import type { Route } from '../../src/domain/routes/route.js';
import { parseRouteEntry } from '../../src/plugins/stowaway/route-entries.js';
import { countByVerbAndResource, total } from '../support/audit-log.js';
import type { BenchContext } from '../support/bench-context.js';
import {
  createPods,
  createRequest,
  deleteRequest,
  established,
  inParallel,
  phaseOf,
  podName,
  requestName,
} from '../support/intercepts.js';
import { operatorIdle } from '../support/operator-metrics.js';

export interface BurstResult {
  readonly requests: number;
  readonly establishAllMs: number;
  readonly removeAllMs: number;
  readonly failed: number;
  readonly distinctProxyPorts: number;
  readonly apiRequestsPerIntercept: number;
}

/** `count` InterceptRequests created at once on as many pods; every proxy port must be distinct. */
export async function measureBurst(context: BenchContext, count: number): Promise<BurstResult> {
  const pods = Array.from({ length: count }, (_, index) => podName('burst', index));
  const names = new Set(pods.map(requestName));
  await createPods(context, pods);
  context.progress(`burst: ${count} target pods running`);
  await operatorIdle(context.operator());
  await context.audit.mark();

  const created = performance.now();
  await inParallel(pods, count, (pod) => createRequest(context, pod));
  const mine = (object: { metadata: { name: string } }) => names.has(object.metadata.name);
  const settled = await context.requests.whenAll(
    mine,
    (object) => established(object) || phaseOf(object) === 'Failed',
    count,
  );
  const requests = context.requests.all().filter(mine);
  const failed = requests.filter((object) => phaseOf(object) === 'Failed').length;
  const ports = await proxyPortsOf(context, names);
  context.progress(`burst: ${count} established (${failed} failed)`);

  const deleting = performance.now();
  await inParallel(pods, count, (pod) => deleteRequest(context, pod));
  // Selected objects must all fail a test that always fails: resolves once none of them is left.
  const gone = await context.requests.whenAll(mine, () => false, 0);
  await operatorIdle(context.operator());
  const requestsMade = total(countByVerbAndResource(await context.audit.read(), context.operatorUser));
  return {
    requests: count,
    establishAllMs: Math.round(settled - created),
    removeAllMs: Math.round(gone - deleting),
    failed,
    distinctProxyPorts: new Set(ports).size,
    apiRequestsPerIntercept: Math.round((requestsMade / count) * 100) / 100,
  };
}

/** The proxy ports of these requests' routes, read from the route table itself. */
async function proxyPortsOf(context: BenchContext, names: ReadonlySet<string>): Promise<number[]> {
  const table = await context.admin
    .makeApiClient(CoreV1Api)
    .readNamespacedConfigMap({ namespace: context.operatorNamespace, name: 'gefyra-stowaway-proxyroutes' });
  return Object.entries(table.data ?? {})
    .map(([key, value]) => parseRouteEntry(key, value))
    .filter((route): route is Route => route !== undefined && names.has(route.owner))
    .map((route) => route.proxyPort);
}
