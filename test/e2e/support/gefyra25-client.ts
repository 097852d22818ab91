import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesWatchSource } from '../../../src/adapters/kubernetes/client/index.js';
import type { Manifest, ObjectRef } from '../../../src/ports/cluster-api.port.js';
import { microsecondsOf } from '../../support/micro-time.js';
import { waitForObjects } from './cluster-waits.js';

/**
 * What `gefyra connections connect` writes to `~/.gefyra/<conn>.yaml` from a
 * GefyraClient (api/connect.py): the cluster's address from the user's
 * kubeconfig, the CA and token of `serviceAccountData` (the token Secret's
 * data, base64). The client makes its bridge calls with it.
 */
export function clientKubeConfig(user: KubeConfig, gefyraClient: Manifest): KubeConfig {
  const data = gefyraClient['serviceAccountData'] as Record<string, string> | undefined;
  const server = user.getCurrentCluster()?.server;
  if (data?.['token'] === undefined || data['ca.crt'] === undefined || server === undefined)
    throw new Error(`GefyraClient ${gefyraClient.metadata.name} has no serviceAccountData to connect with`);
  const name = `gefyra-${gefyraClient.metadata.name}`;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name, server, caData: data['ca.crt'] }],
    users: [{ name, token: Buffer.from(data['token'], 'base64').toString('utf8') }],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return kubeConfig;
}

/**
 * `WatchEventsMixin.watch_events(stop_reason="Ready")` (local/utils.py:148-191)
 * after a mount or bridge create: core/v1 Events of `namespace`, replayed and
 * watched; an Event counts when it has an involvedObject and an eventTime
 * later than the object's creationTimestamp. The client stops on any counted
 * `Ready`; this waits for the one whose involvedObject names the object (the
 * client shows only those), so that another object's `Ready` cannot pass for it.
 */
export async function waitForReadyEvent(
  kubeConfig: KubeConfig,
  created: Manifest,
  timeoutMs = 60_000,
): Promise<Manifest> {
  const since = microsecondsOf(String(created.metadata.creationTimestamp));
  return await waitForObjects(
    kubeConfig,
    { apiVersion: 'v1', kind: 'Event', namespace: created.metadata.namespace ?? '' },
    (events) =>
      events.find((event) => {
        const involved = event['involvedObject'] as { name?: string } | undefined;
        const eventTime = event['eventTime'];
        return (
          event['reason'] === 'Ready' &&
          involved !== undefined &&
          typeof eventTime === 'string' &&
          microsecondsOf(eventTime) > since &&
          String(involved.name).includes(created.metadata.name)
        );
      }),
    { what: `a Ready Event of ${created.metadata.name}`, timeoutMs },
  );
}

/**
 * `bridge rm`'s wait (api/bridge.py:125-146): after the DELETE, a watch on
 * gefyrabridges until a DELETED event with the object's uid. The watch
 * replays what exists when it starts: an object gone by then never sends
 * DELETED, and the client times out, so this fails at once in that case.
 */
export async function waitForDeletedEvent(kubeConfig: KubeConfig, ref: ObjectRef, uid: string, timeoutMs = 60_000) {
  let seen = false;
  let settle: ((error?: Error) => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  const subscription = new KubernetesWatchSource(kubeConfig).watch(
    {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
    },
    (event) => {
      if (event.object.metadata.uid !== uid) return;
      if (event.type === 'DELETED') settle?.();
      else seen = true;
    },
    (error) => settle?.(error instanceof Error ? error : new Error(String(error))),
  );
  const timer = setTimeout(
    () => settle?.(new Error(`no DELETED event of ${ref.kind} ${ref.name} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    await Promise.race([
      done,
      subscription.synced.then(() => {
        if (!seen)
          throw new Error(
            `${ref.kind} ${ref.name} was gone before the watch started: the 2.5 client's \`bridge rm\` would time out`,
          );
        return done;
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await subscription.stop();
  }
}
