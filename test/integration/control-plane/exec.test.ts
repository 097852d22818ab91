import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../../support/control-plane/vitest.js';
import { execInPod, exitCodeOf } from './exec-in-pod.js';
import { containerStatus, isReady, podManifest } from './fixtures.js';

describe('exec through the API server to the simulated kubelet', () => {
  const node = useSimulatedNode({
    handlers: [
      ({ command, stdin, podObject }) => {
        if (command[0] === 'echo') return { stdout: `${command.slice(1).join(' ')}\n`, exitCode: 0 };
        if (command[0] === 'fail') return { stderr: 'it failed\n', exitCode: Number(command[1]) };
        if (command[0] === 'cat' && command.length === 1) return { stdout: stdin, exitCode: 0 };
        if (command[0] === 'whoami') return { stdout: podObject?.metadata?.uid ?? '', exitCode: 0 };
        return undefined;
      },
    ],
  });
  const cluster = useControlPlane();
  const namespace = useTestNamespace('exec');
  const kubeConfig = () => cluster.adminKubeConfig();
  const run = async (command: string[], stdin?: string) => await execInPod(kubeConfig(), namespace.name, 'shell', 'main', command, stdin);

  it('returns stdout and a Success status, and records the exec', async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: namespace.name, body: podManifest('shell', { main: 'busybox:1.36', other: 'busybox:1.36' }) });
    const pod = await node.whenPod('shell', isReady);
    node.clearExecLog();

    const outcome = await run(['echo', 'hello', 'world']);

    expect(outcome.stdout).toBe('hello world\n');
    expect(outcome.stderr).toBe('');
    expect(outcome.status.status).toBe('Success');
    expect(node.execLog).toEqual([
      expect.objectContaining({ namespace: namespace.name, pod: 'shell', container: 'main', command: ['echo', 'hello', 'world'], exitCode: 0 }),
    ]);
    expect(node.execLog[0]?.time).toBeInstanceOf(Date);
    expect((await run(['whoami'])).stdout).toBe(pod.metadata?.uid);
  });

  it('reports a non-zero exit code as Failure with NonZeroExitCode', async () => {
    const outcome = await run(['fail', '3']);

    expect(outcome.stderr).toBe('it failed\n');
    expect(outcome.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode' });
    expect(outcome.status.details?.causes).toEqual([{ reason: 'ExitCode', message: '3' }]);
    expect(exitCodeOf(outcome.status)).toBe(3);
    expect(node.execLog.at(-1)).toMatchObject({ command: ['fail', '3'], exitCode: 3, stderr: 'it failed\n' });
  });

  it('answers a command no handler knows with exit code 127', async () => {
    const outcome = await run(['frobnicate', '--now']);

    expect(exitCodeOf(outcome.status)).toBe(127);
    expect(outcome.stderr).toContain('not found');
    expect(node.execLog.at(-1)).toMatchObject({ command: ['frobnicate', '--now'], exitCode: 127 });
  });

  it('passes stdin to the handler', async () => {
    const outcome = await run(['cat'], 'piped through\n');

    expect(outcome.stdout).toBe('piped through\n');
    expect(exitCodeOf(outcome.status)).toBe(0);
  });

  it('runs handlers added later, in the container asked for', async () => {
    const remove = node.onExec(({ container, command }) => (command[0] === 'where' ? { stdout: container, exitCode: 0 } : undefined));
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
      await core.createNamespacedPod({ namespace: namespace.name, body: podManifest('stuck', { main: 'registry.invalid/x:1' }) });
      await node.whenPod('stuck', (pod) => containerStatus(pod, 'main')?.state?.waiting?.reason !== undefined);
      const before = node.execLog.length;
      await expect(execInPod(kubeConfig(), namespace.name, 'stuck', 'main', ['echo', 'hi'])).rejects.toThrow();
      expect(node.execLog).toHaveLength(before);
    } finally {
      undo();
    }
  });
});
