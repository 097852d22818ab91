import type { ContainerRef } from '../../domain/cluster/pod.js';
import { BatchQueue, type BatchItem } from '../../concurrency/batch-queue.js';
import { DomainError, isDomainError } from '../../domain/errors.js';
import type { Route } from '../../domain/routes/route.js';
import type { ClusterApi, ExecResult, Manifest } from '../../ports/cluster-api.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { ProxyEndpoint, RouteLoad, TunnelRouter } from '../../ports/tunnel-provider.port.js';
import { proxyService } from './stowaway-manifests.js';
import { proxyServiceName, STOWAWAY, STOWAWAY_PROXY_SERVICES } from './stowaway-names.js';
import {
  proxyServiceOwners,
  removeOwnedProxyService,
  ROUTE_OWNER_ANNOTATION,
} from '../shared/proxy-service-ownership.js';
import { findStowawayPod, isServing, stowawayRevision } from './stowaway-pod.js';
import type { StowawaySettings } from './stowaway-settings.js';
import { routeEntryKey } from './route-entries.js';
import type { Pod } from '../../domain/cluster/pod.js';
import type { Subnet } from '../../domain/intercept/intercept-policy.js';

/**
 * Stowaway's data plane. Loading routes follows Stowaway's protocol: a proxy
 * Service per route, a touch of the pod so the kubelet refreshes the mounted
 * route ConfigMap now rather than within a minute, a look at the mounted
 * directory to be sure the refresh happened (no fixed sleep), then
 * `generate-proxyroutes.sh`, which rewrites and reloads nginx.
 */
export class StowawayRouter implements TunnelRouter {
  readonly reservedPorts: readonly number[] = [STOWAWAY.rsyncPort, STOWAWAY.wireguardPort];
  readonly clientSubnets: readonly Subnet[];
  readonly #cluster: ClusterApi;
  readonly #clock: Clock;
  readonly #settings: StowawaySettings;
  readonly #loads = new BatchQueue<RouteExpectation, RouteLoad>((batch, signal) => this.#loadBatch(batch, signal));
  readonly #prepares = new BatchQueue<string, void>((batch, signal) => this.#prepareBatch(batch, signal));
  readonly #removals = new BatchQueue<string, void>((batch, signal) => this.#removeBatch(batch, signal));

  constructor(cluster: ClusterApi, clock: Clock, settings: StowawaySettings) {
    this.#cluster = cluster;
    this.#clock = clock;
    this.#settings = settings;
    this.clientSubnets = settings.clientSubnets;
  }

  async currentRevision(signal: AbortSignal): Promise<string | undefined> {
    const pod = await findStowawayPod(this.#cluster, this.#settings.namespace, signal);
    return pod && isServing(pod) ? stowawayRevision(pod) : undefined;
  }

  /**
   * Loads routes; calls that arrive while a load runs are merged into the
   * next one, so a burst of intercepts reloads Stowaway a few times, not once
   * per intercept.
   */
  loadRoutes(expect: RouteExpectation, signal: AbortSignal): Promise<RouteLoad> {
    return this.#loads.submit(expect, signal);
  }

  async #loadBatch(batch: readonly BatchItem<RouteExpectation, RouteLoad>[], signal: AbortSignal): Promise<void> {
    const present = new Map(batch.flatMap((item) => item.input.present).map((route) => [routeEntryKey(route), route]));
    const absent = batch.flatMap((item) => item.input.absent).filter((route) => !present.has(routeEntryKey(route)));
    const load = await this.#load({ present: [...present.values()], absent }, signal);
    for (const item of batch) item.resolve(load);
  }

  async #load(expect: RouteExpectation, signal: AbortSignal): Promise<RouteLoad> {
    const pod = await this.#servingPod(signal);
    const presentPorts = new Set(expect.present.map((route) => route.proxyPort));
    await Promise.all([
      ...expect.present.map((route) =>
        this.#cluster.apply(proxyService(this.#settings, route.proxyPort, route.owner), signal),
      ),
      ...expect.absent
        .filter((route) => !presentPorts.has(route.proxyPort))
        .map((route) =>
          removeOwnedProxyService(this.#cluster, this.#settings.namespace, STOWAWAY_PROXY_SERVICES, route, signal),
        ),
      this.#cluster.patchPod(
        pod,
        { annotations: { [STOWAWAY.routesTouchedAnnotation]: this.#clock.now().toISOString() } },
        signal,
      ),
    ]);

    const listing = await this.#run(pod, ['ls', '-1', STOWAWAY.routesMountPath], signal);
    const mounted = new Set(
      listing.stdout
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    );
    const presentKeys = new Set(expect.present.map(routeEntryKey));
    const missing = [...presentKeys].filter((key) => !mounted.has(key));
    const lingering = expect.absent.map(routeEntryKey).filter((key) => !presentKeys.has(key) && mounted.has(key));
    if (missing.length > 0 || lingering.length > 0) {
      return {
        state: 'pending',
        reason:
          `Stowaway's mounted route table is not current yet ` +
          `(${missing.length} routes missing, ${lingering.length} stale); the kubelet refreshes it shortly`,
      };
    }
    await this.#run(pod, ['/bin/bash', 'generate-proxyroutes.sh', `${STOWAWAY.routesMountPath}/`], signal);
    return { state: 'loaded', revision: stowawayRevision(pod) };
  }

  proxyPortOwners(signal: AbortSignal): Promise<ReadonlyMap<number, string | undefined>> {
    return proxyServiceOwners(this.#cluster, this.#settings.namespace, STOWAWAY_PROXY_SERVICES, signal);
  }

  proxyOwnerOf(object: Manifest): string | undefined {
    return object.kind === 'Service' ? object.metadata.annotations?.[ROUTE_OWNER_ANNOTATION] : undefined;
  }

  proxyEndpoint(proxyPort: number): ProxyEndpoint {
    return { host: `${proxyServiceName(proxyPort)}.${this.#settings.namespace}.svc.cluster.local`, port: proxyPort };
  }

  /**
   * `mkdir -p` and `rm -rf` are idempotent, so an exec whose outcome is
   * unknown is settled by looking (`ls -d`); the directories are checked
   * after every run, whatever the exec said. Calls that arrive together share
   * their execs: every 0.13 `gefyra bridge` asks for a sync directory, and an
   * exec into Stowaway's one container per intercept (each a `runc exec`) let
   * a burst queue up in its shim on a real node until execs and even the
   * kubelet's readiness probe of Stowaway timed out.
   */
  prepareSync(target: ContainerRef, signal: AbortSignal): Promise<void> {
    return this.#prepares.submit(syncDirectory(target), signal);
  }

  removeSync(target: ContainerRef, signal: AbortSignal): Promise<void> {
    return this.#removals.submit(syncDirectory(target), signal);
  }

  async #prepareBatch(batch: readonly BatchItem<string, void>[], signal: AbortSignal): Promise<void> {
    const pod = await this.#servingPod(signal);
    await this.#settleAll(pod, batch, ['mkdir', '-p'], true, signal);
  }

  async #removeBatch(batch: readonly BatchItem<string, void>[], signal: AbortSignal): Promise<void> {
    const pod = await findStowawayPod(this.#cluster, this.#settings.namespace, signal);
    if (!pod || !isServing(pod)) {
      for (const item of batch) item.resolve();
      return;
    }
    await this.#settleAll(pod, batch, ['rm', '-rf'], false, signal);
  }

  /**
   * Runs an idempotent command on every item's directory, then answers each
   * item by whether its directory now exists as `wanted`; an error of the exec
   * itself counts only for the items whose check fails too.
   */
  async #settleAll(
    pod: Pod,
    batch: readonly BatchItem<string, void>[],
    command: readonly string[],
    wanted: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const paths = [...new Set(batch.map((item) => item.input))];
    let outcome: unknown;
    for (const chunk of chunks(paths, PATHS_PER_EXEC)) {
      try {
        await this.#run(pod, [...command, ...chunk], signal);
      } catch (error) {
        if (isDomainError(error, 'Aborted')) throw error;
        outcome ??= error;
      }
    }
    const existing = await this.#existing(pod, paths, signal);
    for (const item of batch) {
      if (existing.has(item.input) === wanted) item.resolve();
      else
        item.reject(
          outcome ??
            new DomainError(
              'ExecFailed',
              `\`${command.join(' ')} ${item.input}\` in Stowaway pod ${pod.name} exited 0 but did not take effect`,
              { retryable: true },
            ),
        );
    }
  }

  /** Which of `paths` exist: `ls -d` prints those and complains about the others (exit 2). */
  async #existing(pod: Pod, paths: readonly string[], signal: AbortSignal): Promise<Set<string>> {
    const existing = new Set<string>();
    for (const chunk of chunks(paths, PATHS_PER_EXEC)) {
      const result = await this.#cluster.exec(
        { namespace: pod.namespace, name: pod.name, container: STOWAWAY.container },
        ['ls', '-d', ...chunk],
        signal,
      );
      const listed = new Set(result.stdout.split('\n').map((line) => line.trim()));
      for (const path of chunk) if (listed.has(path)) existing.add(path);
    }
    return existing;
  }

  async #servingPod(signal: AbortSignal): Promise<Pod> {
    const pod = await findStowawayPod(this.#cluster, this.#settings.namespace, signal);
    if (!pod || !isServing(pod))
      throw new DomainError('NotReady', 'Stowaway is not running; routes cannot be loaded yet');
    return pod;
  }

  async #run(pod: Pod, command: readonly string[], signal: AbortSignal): Promise<ExecResult> {
    const result = await this.#cluster.exec(
      { namespace: pod.namespace, name: pod.name, container: STOWAWAY.container },
      command,
      signal,
    );
    if (result.exitCode !== 0) {
      throw new DomainError(
        'ExecFailed',
        `\`${command.join(' ')}\` failed in Stowaway pod ${pod.name} with exit code ${result.exitCode}: ${result.stderr.trim() || result.stdout.trim()}`,
        { retryable: true },
      );
    }
    return result;
  }
}

type RouteExpectation = { readonly present: readonly Route[]; readonly absent: readonly Route[] };

const syncDirectory = (target: ContainerRef): string => `/rsync/${target.name}/${target.container}`;

/** Keeps an exec's command line (its URL's query) short, whatever the burst. */
const PATHS_PER_EXEC = 100;

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );
}
