import { describe, expect, it } from 'vitest';
import type { WatchEvent } from '../../../../../src/adapters/runtime/watch-source.js';
import { silentLogger } from '../../../../../src/adapters/system/pino-logger.js';
import { GefyraBridgeController } from '../../../../../src/plugins/gefyra2/adapters/gefyra-bridge-controller.js';
import { GefyraBridgeMountController } from '../../../../../src/plugins/gefyra2/adapters/gefyra-bridge-mount-controller.js';
import type { BridgeService } from '../../../../../src/plugins/gefyra2/domain/bridge/bridge-service.js';
import type { MountService } from '../../../../../src/plugins/gefyra2/domain/mount/mount-service.js';
import { FakeCarrierInstaller } from '../../../../support/fake-carrier-installer.js';
import { SimulatedCluster } from '../../../../support/simulated-cluster/index.js';

const event = (
  type: WatchEvent['type'],
  kind: string,
  name: string,
  more: { labels?: Record<string, string>; uid?: string; fields?: Record<string, unknown> } = {},
): WatchEvent => ({
  type,
  object: {
    apiVersion: kind === 'Pod' ? 'v1' : 'gefyra.dev/v1',
    kind,
    metadata: { name, namespace: 'gefyra', uid: more.uid, labels: more.labels },
    ...more.fields,
  },
});
const notCalled = {} as MountService & BridgeService;

describe('which mounts and bridges a watch event wakes', () => {
  it('a mount: its own changes, its bridges’ changes, the pods that carry its carrier', () => {
    const controller = new GefyraBridgeMountController(notCalled, 'gefyra', [
      new FakeCarrierInstaller(new SimulatedCluster()),
    ]);
    const [mounts, bridges, pods] = controller.watches;
    expect(pods?.spec).toEqual({ apiVersion: 'v1', kind: 'Pod', labels: { 'fake-carrier.test/installed': 'true' } });
    expect(mounts?.keysOf(event('ADDED', 'gefyrabridgemount', 'web-mount', { uid: 'uid-1' }))).toEqual(['web-mount']);
    expect(
      bridges?.keysOf(event('MODIFIED', 'gefyrabridge', 'b', { labels: { 'gefyra.dev/bridge-mount': 'web-mount' } })),
    ).toEqual(['web-mount']);
    expect(bridges?.keysOf(event('DELETED', 'gefyrabridge', 'b'))).toEqual([]);
    const carrierPod = (uid: string, request: string): WatchEvent =>
      ({
        type: 'MODIFIED',
        object: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: 'web-1',
            namespace: 'shop',
            annotations: { 'fake-carrier.test/owner-uid': uid, 'fake-carrier.test/owner-request': request },
          },
        },
      }) as WatchEvent;
    expect(pods?.keysOf(carrierPod('uid-1', 'web-mount'))).toEqual(['web-mount']);
    // Another request's carrier (an InterceptRequest's, or a mount of the same name made anew) wakes no mount.
    expect(pods?.keysOf(carrierPod('uid-2', 'web-mount'))).toEqual([]);
    mounts?.keysOf(event('DELETED', 'gefyrabridgemount', 'web-mount', { uid: 'uid-1' }));
    expect(pods?.keysOf(carrierPod('uid-1', 'web-mount'))).toEqual([]);
  });

  it('a mount controller without a carrier for mounts watches no pods', () => {
    const controller = new GefyraBridgeMountController(notCalled, 'gefyra', [
      new FakeCarrierInstaller(new SimulatedCluster(), { serves: ['InterceptRequest'] }),
    ]);
    expect(controller.watches.map((watch) => watch.spec.kind)).toEqual(['gefyrabridgemount', 'gefyrabridge']);
  });

  it('a bridge: its own changes, its mount’s and its client’s', () => {
    const controller = new GefyraBridgeController(notCalled, 'gefyra', silentLogger);
    const [bridges, mounts, clients] = controller.watches;
    const bridge = (name: string, mount: string, client: string) =>
      event('ADDED', 'gefyrabridge', name, {
        labels: { 'gefyra.dev/bridge-mount': mount, 'gefyra.dev/client': client },
        fields: { client },
      });
    expect(bridges?.keysOf(bridge('a1', 'web-mount', 'dev-a'))).toEqual(['a1']);
    expect(bridges?.keysOf(bridge('a2', 'api-mount', 'dev-a'))).toEqual(['a2']);
    expect(bridges?.keysOf(bridge('b1', 'web-mount', 'dev-b'))).toEqual(['b1']);
    expect(mounts?.keysOf(event('MODIFIED', 'gefyrabridgemount', 'web-mount'))).toEqual(['a1', 'b1']);
    expect(clients?.keysOf(event('MODIFIED', 'gefyraclient', 'dev-a'))).toEqual(['a1', 'a2']);
    expect(bridges?.keysOf(event('DELETED', 'gefyrabridge', 'a1'))).toEqual(['a1']);
    expect(clients?.keysOf(event('DELETED', 'gefyraclient', 'dev-a'))).toEqual(['a2']);
  });
});
