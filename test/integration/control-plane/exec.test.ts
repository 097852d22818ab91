import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { useControlPlane, useNamespaceOfEachTest, useSimulatedNode } from '../../support/control-plane/vitest.js';
import { execInPod, exitCodeOf } from './exec-in-pod.js';
import { containerStatus, isReady, podManifest } from './fixtures.js';

describe('exec through the API server to the simulated kubelet', () => {
  const node = useSimulatedNode({
    handlers: [
      ({ command, stdin, podObject }) => {
        if (command[0] === 'echo') return { stdout: `${command.slice(1).join(' ')}\n`, exitCode: 0 };
        if (command[0] === 'fail') return { stderr: 'it failed\n', exitCode: Number(command[1]) };
        if (command[0] === 'cat' && command.length === 1) return { stdout: stdin.toString(), exitCode: 0 };
        if (command[0] === 'whoami') return { stdout: podObject.uid, exitCode: 0 };
        if (command[0] === 'explode') throw new Error('the handler broke');
        return undefined;
      },
    ],
  });
  const cluster = useControlPlane();
  const namespace = useNamespaceOfEachTest('exec');
  const kubeConfig = () => cluster.adminKubeConfig();
  const run = async (command: string[], stdin?: string) =>
    await execInPod(kubeConfig(), namespace.name, 'shell', 'main', command, stdin);
  let pod: V1Pod;

  // Every test execs into a ready pod of its own namespace.
  beforeEach(async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace: namespace.name,
      body: podManifest('shell', { main: 'busybox:1.36', other: 'busybox:1.36' }),
    });
    pod = await node.whenPod(`${namespace.name}/shell`, isReady);
  });

  it('returns stdout and a Success status, and records the exec', async () => {
    node.clearExecLog();

    const outcome = await run(['echo', 'hello', 'world']);

    expect(outcome.stdout).toBe('hello world\n');
    expect(outcome.stderr).toBe('');
    expect(outcome.status.status).toBe('Success');
    expect(node.execLog).toEqual([
      {
        namespace: namespace.name,
        pod: 'shell',
        container: 'main',
        command: ['echo', 'hello', 'world'],
        result: { exitCode: 0, stdout: 'hello world\n', stderr: '' },
      },
    ]);
    expect((await run(['whoami'])).stdout).toBe(pod.metadata?.uid);
  });

  it('reports a non-zero exit code as Failure with NonZeroExitCode', async () => {
    const outcome = await run(['fail', '3']);

    expect(outcome.stderr).toBe('it failed\n');
    expect(outcome.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode' });
    expect(outcome.status.details?.causes).toEqual([{ reason: 'ExitCode', message: '3' }]);
    expect(exitCodeOf(outcome.status)).toBe(3);
    expect(node.execLog.at(-1)).toMatchObject({
      command: ['fail', '3'],
      result: { exitCode: 3, stderr: 'it failed\n' },
    });
  });

  it('answers a command no handler knows with exit code 127', async () => {
    const outcome = await run(['frobnicate', '--now']);

    expect(exitCodeOf(outcome.status)).toBe(127);
    expect(outcome.stderr).toContain('not found');
    expect(node.execLog.at(-1)).toMatchObject({ command: ['frobnicate', '--now'], result: { exitCode: 127 } });
  });

  it('answers exit code 126 when a handler throws, and logs the error', async () => {
    const outcome = await run(['explode']);

    expect(exitCodeOf(outcome.status)).toBe(126);
    expect(outcome.stderr).toContain('the handler broke');
    expect(node.execLog.at(-1)?.error?.message).toContain('the handler broke');
  });

  it('passes stdin to the handler', async () => {
    const outcome = await run(['cat'], 'piped through\n');

    expect(outcome.stdout).toBe('piped through\n');
    expect(exitCodeOf(outcome.status)).toBe(0);
  });

  it('runs handlers added later, in the container asked for', async () => {
    const remove = node.onExec(({ container, command }) =>
      command[0] === 'where' ? { stdout: container, exitCode: 0 } : undefined,
    );
    try {
      const outcome = await execInPod(kubeConfig(), namespace.name, 'shell', 'other', ['where']);
      expect(outcome.stdout).toBe('other');
    } finally {
      remove();
    }
    expect(exitCodeOf((await run(['where'])).status)).toBe(127);
  });

  it('refuses exec into a container that is not running', async () => {
    const undo = node.failImagePull('registry.invalid/');
    try {
      const core = kubeConfig().makeApiClient(CoreV1Api);
      await core.createNamespacedPod({
        namespace: namespace.name,
        body: podManifest('stuck', { main: 'registry.invalid/x:1' }),
      });
      await node.whenPod(
        `${namespace.name}/stuck`,
        (pod) => containerStatus(pod, 'main')?.state?.waiting?.reason !== undefined,
      );
      const before = node.execLog.length;
      // The kubelet answers 500 before the upgrade; the API server passes that on.
      await expect(execInPod(kubeConfig(), namespace.name, 'stuck', 'main', ['echo', 'hi'])).rejects.toMatchObject({
        message: expect.stringContaining('500'),
      });
      expect(node.execLog).toHaveLength(before);
    } finally {
      undo();
    }
  });

  it('speaks v4.channel.k8s.io and channel.k8s.io when the client offers only those', async () => {
    const frames = async (protocol: string): Promise<{ protocol: string; frames: Buffer[] }> => {
      const url = `wss://127.0.0.1:${node.kubeletPort}/exec/${namespace.name}/shell/main?command=fail&command=2&output=1&error=1`;
      const socket = new WebSocket(url, [protocol], { rejectUnauthorized: false });
      const received: Buffer[] = [];
      socket.on('message', (data: Buffer) => received.push(data));
      await new Promise((resolve, reject) => {
        socket.once('close', resolve);
        socket.once('error', reject);
      });
      return { protocol: socket.protocol, frames: received };
    };

    const v4 = await frames('v4.channel.k8s.io');
    expect(v4.protocol).toBe('v4.channel.k8s.io');
    expect(v4.frames.map((frame) => frame[0])).toEqual([1, 2, 3]);
    expect(v4.frames[0]).toHaveLength(1);
    expect(v4.frames[1]?.subarray(1).toString()).toBe('it failed\n');
    expect(JSON.parse(v4.frames[2]?.subarray(1).toString() ?? '')).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '2' }] },
    });

    const v1 = await frames('channel.k8s.io');
    expect(v1.protocol).toBe('channel.k8s.io');
    expect(v1.frames.at(-1)?.[0]).toBe(3);
    expect(v1.frames.at(-1)?.subarray(1).toString()).toContain('non-zero exit code');
  });
});
