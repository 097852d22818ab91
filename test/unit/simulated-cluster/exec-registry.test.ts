import { describe, expect, it } from 'vitest';
import type { ExecCall, ExecHandler } from '../../../src/adapters/in-memory/exec-handler.js';
import { ExecRegistry } from '../../support/simulated-cluster/exec-registry.js';
import { toDomainPod } from '../../../src/adapters/kubernetes/shapes/index.js';

const podObject = toDomainPod({ metadata: { name: 'web', namespace: 'app', labels: { app: 'web' } } });
const call = (command: string[]): ExecCall => ({ namespace: 'app', pod: 'web', container: 'web', command, podObject });

describe('ExecRegistry', () => {
  it('fills in the streams a handler leaves out, in the result and in the log', async () => {
    const registry = new ExecRegistry();
    registry.add((exec) => (exec.command[0] === 'true' ? { exitCode: 0 } : undefined));
    expect(await registry.run(call(['true']))).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(await registry.answerQuietly(call(['true']))).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(await registry.answerQuietly(call(['false']))).toBeUndefined();
    expect(registry.log).toEqual([
      {
        namespace: 'app',
        pod: 'web',
        container: 'web',
        command: ['true'],
        result: { exitCode: 0, stdout: '', stderr: '' },
      },
    ]);
  });

  it("runs calls that carry more (a harness's stdin) through handlers written for any call", async () => {
    interface StdinCall extends ExecCall {
      readonly stdin: string;
    }
    const registry = new ExecRegistry<StdinCall>();
    const labelled: ExecHandler = (exec) =>
      exec.command[0] === 'label' ? { exitCode: 0, stdout: exec.podObject.labels['app'] ?? '' } : undefined;
    registry.add(labelled);
    registry.add((exec) => (exec.command[0] === 'cat' ? { exitCode: 0, stdout: exec.stdin } : undefined));
    expect((await registry.run({ ...call(['label']), stdin: '' })).stdout).toBe('web');
    expect((await registry.run({ ...call(['cat']), stdin: 'piped' })).stdout).toBe('piped');
  });
});
