import { describe, expect, it } from 'vitest';
import { runOnRealNode, type RealNodeStartDependencies } from '../../../scripts/start/real-node-start.js';
import { parseStartOptions } from '../../../scripts/start/start-options.js';

describe('npm start’s arguments', () => {
  it('run the operator as a process unless --real-node is given, under the 0.13 contract by default', () => {
    expect(parseStartOptions([], {})).toEqual({ realNode: false, contract: '0.13' });
    expect(parseStartOptions(['--real-node'], {})).toEqual({ realNode: true, contract: '0.13' });
    expect(parseStartOptions(['--real-node'], { GEFYRA_CLIENT_CONTRACT: 'auto' })).toEqual({
      realNode: true,
      contract: '0.13',
    });
  });

  it('take the contract from GEFYRA_CLIENT_CONTRACT, as the operator does (2: deploy/gefyra2 on the node)', () => {
    expect(parseStartOptions(['--real-node'], { GEFYRA_CLIENT_CONTRACT: '2' })).toEqual({
      realNode: true,
      contract: '2',
    });
    expect(parseStartOptions([], { GEFYRA_CLIENT_CONTRACT: '3' })).toEqual({
      error: 'GEFYRA_CLIENT_CONTRACT must be auto, 0.13 or 2 (it is "3")',
    });
  });

  it('refuse an unknown flag, a value for --real-node and a positional argument in one line with the usage', () => {
    for (const argv of [['--realnode'], ['--real-node=yes'], ['cluster']]) {
      const parsed = parseStartOptions(argv, {});
      expect(parsed).toEqual({ error: expect.stringMatching(/\(usage: npm start \[-- --real-node\]\)$/) });
      expect((parsed as { error: string }).error).not.toContain('\n');
    }
  });
});

describe('npm start -- --real-node', () => {
  const fakes = (provisioned: { binDir: string } | { unavailable: string }) => {
    const calls: string[] = [];
    let out = '';
    let err = '';
    const dependencies: RealNodeStartDependencies = {
      provision: async () => provisioned,
      startCluster: async (binDir, contract) => {
        calls.push(`start ${binDir} ${contract}`);
        return {
          kubeconfigPath: '/tmp/node/admin.kubeconfig',
          installation: 'deploy',
          operatorPod: 'gefyra-operator-abc',
          stop: async () => void calls.push('stop'),
        };
      },
      stopRequested: async () => {
        calls.push('waiting for Ctrl-C');
        return 'SIGINT';
      },
      out: (text) => void (out += text),
      err: (text) => void (err += text),
    };
    return { dependencies, calls, output: () => ({ out, err }) };
  };

  it('says in one line why the machine cannot run the node and exits 1, starting nothing', async () => {
    const { dependencies, calls, output } = fakes({
      unavailable: 'the real-node tier needs root (namespaces, mounts, cgroups)',
    });
    expect(await runOnRealNode('0.13', dependencies)).toBe(1);
    expect(output()).toEqual({
      out: '',
      err: 'gefyra-operator: --real-node cannot run on this machine: the real-node tier needs root (namespaces, mounts, cgroups)\n',
    });
    expect(calls).toEqual([]);
  });

  it('starts the cluster for the contract, prints how to reach it, and stops it on Ctrl-C with exit 0', async () => {
    const { dependencies, calls, output } = fakes({ binDir: '/cache/bin' });
    expect(await runOnRealNode('2', dependencies)).toBe(0);
    expect(calls).toEqual(['waiting for Ctrl-C', 'start /cache/bin 2', 'stop']);
    expect(output().out).toContain('export KUBECONFIG=/tmp/node/admin.kubeconfig');
    expect(output().out).toContain('kubectl logs -n gefyra gefyra-operator-abc');
    expect(output().err).toContain('SIGINT: stopping the real node');
  });
});
