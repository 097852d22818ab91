import { beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../../support/control-plane/vitest.js';
import { failure, never } from './fixtures.js';
import { isReady } from '../../support/pod-conditions.js';

describe('KubernetesClusterApi pods and exec', () => {
  const node = useSimulatedNode({
    handlers: [
      ({ command }) => {
        switch (command[0]) {
          case 'say':
            return { stdout: `${command.slice(1).join(' ')}\n`, stderr: 'to stderr\n', exitCode: 0 };
          case 'exit':
            return { stdout: 'some output\n', stderr: 'it broke\n', exitCode: Number(command[1]) };
          case 'unicode':
            return { stdout: 'grüße, 世界 ✓\n', exitCode: 0 };
          case 'big':
            return { stdout: 'x'.repeat(1_000_000), exitCode: 0 };
          case 'count':
            return { stdout: `${command.length - 1}\n`, exitCode: 0 };
          case 'hang':
            return new Promise<never>(() => undefined);
          default:
            return undefined;
        }
      },
    ],
  });
  const cluster = useControlPlane();
  const namespace = useTestNamespace('pods');
  const api = () => new KubernetesClusterApi(cluster.adminKubeConfig());
  const target = (name = 'shell', container = 'main') => ({ namespace: namespace.name, name, container });
  const pod = (
    name: string,
    containers: Record<string, string>,
    labels: Record<string, string> = { app: name },
  ): Manifest => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: namespace.name, labels },
    spec: {
      containers: Object.entries(containers).map(([containerName, image]) => ({ name: containerName, image })),
      terminationGracePeriodSeconds: 1,
    },
  });

  beforeAll(async () => {
    await api().create(pod('shell', { main: 'busybox:1.36', side: 'busybox:1.36' }), never);
    await node.whenPod(`${namespace.name}/shell`, isReady);
  });

  describe('patchPod', () => {
    it('sets and removes labels and annotations in one strategic merge patch', async () => {
      await api().create(
        {
          ...pod('labelled', { main: 'busybox:1.36' }, { app: 'labelled', drop: 'me' }),
          metadata: {
            name: 'labelled',
            namespace: namespace.name,
            labels: { app: 'labelled', drop: 'me' },
            annotations: { keep: '1', drop: '2' },
          },
        },
        never,
      );

      const patched = await api().patchPod(
        { namespace: namespace.name, name: 'labelled' },
        { labels: { 'gefyra.dev/intercepted': 'true', drop: null }, annotations: { added: '3', drop: null } },
        never,
      );

      expect(patched.labels).toEqual({ app: 'labelled', 'gefyra.dev/intercepted': 'true' });
      expect(patched.annotations).toEqual({ keep: '1', added: '3' });
      expect(
        (await api().listPods(namespace.name, { 'gefyra.dev/intercepted': 'true' }, never)).map((found) => found.name),
      ).toEqual(['labelled']);
    });

    it('changes one container image and leaves the others', async () => {
      await api().create(pod('two', { first: 'busybox:1.36', second: 'nginx:1.25' }), never);
      // Until the kubelet has written its status, the pod's version keeps moving.
      await node.whenPod(`${namespace.name}/two`, isReady);
      await node.whenIdle();
      const before = await api().findPod({ namespace: namespace.name, name: 'two' }, never);

      const patched = await api().patchPod(
        { namespace: namespace.name, name: 'two' },
        { images: { second: 'nginx:1.27' }, expectedResourceVersion: before?.resourceVersion ?? '' },
        never,
      );

      expect(patched.containers.map((container) => `${container.name}=${container.image}`)).toEqual([
        'first=busybox:1.36',
        'second=nginx:1.27',
      ]);
      expect(patched.resourceVersion).not.toBe(before?.resourceVersion);
    });

    it('refuses a stale expectedResourceVersion with Conflict', async () => {
      const before = await api().findPod({ namespace: namespace.name, name: 'shell' }, never);
      await api().patchPod({ namespace: namespace.name, name: 'shell' }, { annotations: { touched: '1' } }, never);
      const error = await failure(
        api().patchPod(
          { namespace: namespace.name, name: 'shell' },
          { images: { main: 'busybox:1.37' }, expectedResourceVersion: before?.resourceVersion ?? '' },
          never,
        ),
      );
      expect(error.kind).toBe('Conflict');
      expect(error.message).toContain(`pods "shell" in namespace ${namespace.name}`);
    });
  });

  describe('exec', () => {
    it('collects stdout and stderr and reports exit code 0', async () => {
      expect(await api().exec(target(), ['say', 'hello', 'world'], never)).toEqual({
        exitCode: 0,
        stdout: 'hello world\n',
        stderr: 'to stderr\n',
      });
    });

    it('returns a non-zero exit code as a result, with both streams', async () => {
      expect(await api().exec(target(), ['exit', '42'], never)).toEqual({
        exitCode: 42,
        stdout: 'some output\n',
        stderr: 'it broke\n',
      });
      expect((await api().exec(target(), ['no-such-command'], never)).exitCode).toBe(127);
    });

    it('runs in the container asked for and keeps multi-byte characters and large output intact', async () => {
      expect((await api().exec(target('shell', 'side'), ['unicode'], never)).stdout).toBe('grüße, 世界 ✓\n');
      expect(node.execLog.at(-1)).toMatchObject({ container: 'side', command: ['unicode'] });
      expect((await api().exec(target(), ['big'], never)).stdout).toHaveLength(1_000_000);
    });

    // Issue 18, item 8. kube-apiserver (and the kubelet) read at most 1 MiB plus 4096 bytes of request
    // line and headers; measured here: a URL of 1 052 000 bytes runs, one of 1 053 000 gets 431.
    const directories = (count: number) =>
      Array.from({ length: count }, (_, index) => `/app/data/${String(index).padStart(8, '0')}`);

    it('runs a command as long as the API server takes: about 1 MB of arguments reach the container', async () => {
      // 31 000 arguments of 33 bytes each in the URL: 1 023 000 bytes.
      const result = await api().exec(target(), ['count', ...directories(31_000)], never);

      expect(result).toEqual({ exitCode: 0, stdout: '31000\n', stderr: '' });
    });

    it('refuses a command too long for the API server at once, naming its size and the limit (431, never retried)', async () => {
      const before = node.execLog.length;

      // 40 000 arguments: a URL of 1.3 MB.
      const error = await failure(api().exec(target(), ['count', ...directories(40_000)], never));

      expect(error).toMatchObject({
        kind: 'Invalid',
        retryable: false,
        details: { reason: 'RequestTooLarge', statusCode: 431, limitBytes: 1_048_576 },
      });
      expect(error.details['requestBytes']).toBeGreaterThan(1_300_000);
      expect(error.message).toMatch(
        new RegExp(
          `^exec of count in container main of pod ${namespace.name}/shell was refused with ` +
            `431 Request Header Fields Too Large: ` +
            `its 40001 arguments make a request URL of \\d+ bytes, and the API server reads at most 1048576 bytes`,
        ),
      );
      expect(node.execLog.slice(before)).toEqual([]);
    });

    it('fails with NotFound for a missing pod or container', async () => {
      const pod = await failure(api().exec(target('absent'), ['say'], never));
      expect(pod.kind).toBe('NotFound');
      expect(pod.message).toBe(`pod ${namespace.name}/absent not found`);

      const container = await failure(api().exec(target('shell', 'nope'), ['say'], never));
      expect(container.kind).toBe('NotFound');
      expect(container.message).toBe(`container nope not found in pod ${namespace.name}/shell (it has: main, side)`);
    });

    it('fails with NotReady when the container is not running', async () => {
      const undo = node.failImagePull('registry.invalid/');
      try {
        await api().create(pod('stuck', { main: 'registry.invalid/app:1' }), never);
        await node.whenPod(
          `${namespace.name}/stuck`,
          (found) => found.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff',
        );

        const error = await failure(api().exec(target('stuck'), ['say'], never));

        expect(error.kind).toBe('NotReady');
        expect(error.retryable).toBe(true);
        expect(error.message).toContain(
          `container main of pod ${namespace.name}/stuck is not running: waiting (ImagePullBackOff`,
        );
      } finally {
        undo();
      }
    });

    it('times out a command that does not finish', async () => {
      const impatient = new KubernetesClusterApi(cluster.adminKubeConfig(), 'gefyra-operator', { execTimeoutMs: 300 });
      // The command never finishes: only the exec timeout can end the call (else the test times out).
      const error = await failure(impatient.exec(target(), ['hang', '--token=abc'], never));
      expect(error.kind).toBe('Timeout');
      expect(error.message).toBe(
        `exec of hang in container main of pod ${namespace.name}/shell did not finish within 300 ms`,
      );
    });

    it('stops when the signal aborts', async () => {
      const controller = new AbortController();
      const pending = api().exec(target(), ['hang'], controller.signal);
      setTimeout(() => controller.abort(), 200);
      expect((await failure(pending)).kind).toBe('Aborted');
      expect((await failure(api().exec(target(), ['say'], AbortSignal.abort()))).kind).toBe('Aborted');
    });
  });
});
