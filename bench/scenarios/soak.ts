import { CoreV1Api } from '@kubernetes/client-node';
import { parseRouteEntry } from '../../src/plugins/stowaway/route-entries.js';
import { STOWAWAY_PROXY_SERVICES } from '../../src/plugins/stowaway/stowaway-names.js';
import { proxyServiceName, STOWAWAY } from '../../src/plugins/stowaway/stowaway-names.js';
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
import { residentMemory } from '../support/process-stats.js';

export interface SoakRound {
  readonly round: number;
  /** The operator's resident memory once the round's work is over (idle, every request of the round gone). */
  readonly residentMiB: number;
  /** Requests established before their route table and proxy Services were deleted. */
  readonly established: number;
  /** Requests that ended the round established with their route back in the table and their proxy Service back. */
  readonly establishedAfterRepair: number;
  /** Why the others failed (status reasons), if any did. */
  readonly failedReasons: readonly string[];
}

export interface SoakResult {
  readonly rounds: readonly SoakRound[];
  readonly interceptsPerRound: number;
  /** The largest distance of a round's resident memory from the first round's, in percent of it. */
  readonly maxDriftPercent: number;
}

/**
 * Rounds of what a long run does to the operator: intercepts created; the
 * route table and every proxy Service deleted underneath them; the API
 * server restarted (every watch breaks, the lease cannot be renewed for a
 * while); then the intercepts deleted. The operator's resident memory after
 * each round must stay flat, and every intercept must end established again.
 */
export async function measureSoak(
  context: BenchContext,
  options: { readonly rounds: number; readonly intercepts: number; readonly restartApiServer: () => Promise<void> },
): Promise<SoakResult> {
  const core = context.admin.makeApiClient(CoreV1Api);
  const namespace = context.operatorNamespace;
  const pods = Array.from({ length: options.intercepts }, (_, index) => podName('soak', index));
  const names = new Set(pods.map(requestName));
  const mine = (object: { metadata: { name: string } }) => names.has(object.metadata.name);
  await createPods(context, pods);

  const rounds: SoakRound[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    await inParallel(pods, 16, (pod) => createRequest(context, pod));
    await context.requests.whenAll(mine, (object) => established(object) || phaseOf(object) === 'Failed', pods.length);
    const settled = context.requests.all().filter(mine);
    const failedReasons = settled
      .filter((object) => !established(object))
      .map((object) => String((object['status'] as { reason?: string } | undefined)?.reason));

    await core.deleteNamespacedConfigMap({ namespace, name: STOWAWAY.routesConfigMap });
    const proxies = await core.listNamespacedService({
      namespace,
      labelSelector: selector(STOWAWAY_PROXY_SERVICES.labels),
    });
    await inParallel(
      proxies.items,
      16,
      async (service) => void (await core.deleteNamespacedService({ namespace, name: service.metadata?.name ?? '' })),
    );
    await options.restartApiServer();

    const establishedAfterRepair = await repairedIntercepts(context, names);
    await inParallel(pods, 16, (pod) => deleteRequest(context, pod));
    await context.requests.whenAll(mine, () => false, 0);
    await operatorIdle(context.operator(), 120_000);
    const residentMiB = (await residentMemory(context.operator().pid)).now;
    rounds.push({
      round,
      residentMiB,
      established: settled.length - failedReasons.length,
      establishedAfterRepair,
      failedReasons,
    });
    context.progress(
      `soak: round ${round}/${options.rounds}: resident ${residentMiB} MiB, ${establishedAfterRepair}/${pods.length} established after the repair` +
        (failedReasons.length > 0 ? ` (${failedReasons.length} failed: ${failedReasons.join(', ')})` : ''),
    );
  }
  const first = rounds[0]?.residentMiB ?? Number.NaN;
  const maxDriftPercent = Math.max(...rounds.map((round) => (Math.abs(round.residentMiB - first) / first) * 100));
  return { rounds, interceptsPerRound: pods.length, maxDriftPercent: Math.round(maxDriftPercent * 10) / 10 };
}

/**
 * How many of the requests are established with their route in the table
 * and their proxy Service present, once the operator has repaired what it
 * could (at most two minutes; what is not repaired by then counts as lost).
 */
async function repairedIntercepts(context: BenchContext, names: ReadonlySet<string>): Promise<number> {
  const core = context.admin.makeApiClient(CoreV1Api);
  const namespace = context.operatorNamespace;
  const count = async (): Promise<number> => {
    const table = await core
      .readNamespacedConfigMap({ namespace, name: STOWAWAY.routesConfigMap })
      .catch(() => undefined);
    const routed = new Map(
      Object.entries(table?.data ?? {}).flatMap(([key, value]) => {
        const route = parseRouteEntry(key, value);
        return route ? [[route.owner, route.proxyPort] as const] : [];
      }),
    );
    const services = new Set(
      (
        await core.listNamespacedService({ namespace, labelSelector: selector(STOWAWAY_PROXY_SERVICES.labels) })
      ).items.map((service) => service.metadata?.name),
    );
    return context.requests
      .all()
      .filter((object) => names.has(object.metadata.name) && established(object))
      .filter(
        (object) =>
          routed.has(object.metadata.name) && services.has(proxyServiceName(routed.get(object.metadata.name) ?? 0)),
      ).length;
  };
  const deadline = Date.now() + 120_000;
  let repaired = await count();
  while (repaired < names.size && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    repaired = await count();
  }
  return repaired;
}

const selector = (labels: Readonly<Record<string, string>>): string =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
