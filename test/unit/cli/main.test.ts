import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { main, type CliOutput } from '../../../src/cli/main.js';

function capture(): CliOutput & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(text: string) {
      io.stdout += `${text}\n`;
    },
    err(text: string) {
      io.stderr += `${text}\n`;
    },
  };
  return io;
}

describe('gefyra-operator command line', () => {
  it('explains itself', async () => {
    const io = capture();
    expect(await main(['--help'], {}, io)).toBe(0);
    expect(io.stdout).toMatch(/Commands:\n {2}run .*\n {2}manifests .*\n {2}reset .*\n {2}help/);
  });

  it.each(['run', 'manifests', 'reset'])('explains `%s --help` and `help %s`', async (command) => {
    const viaFlag = capture();
    const viaHelp = capture();
    expect(await main([command, '--help'], {}, viaFlag)).toBe(0);
    expect(await main(['help', command], {}, viaHelp)).toBe(0);
    expect(viaFlag.stdout).toMatch(new RegExp(`^Usage: gefyra-operator ${command}`));
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it('rejects an unknown command or option with usage, exit code 2', async () => {
    const unknown = capture();
    expect(await main(['deploy'], {}, unknown)).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "deploy"/);
    const badOption = capture();
    expect(await main(['manifests', '--colour'], {}, badOption)).toBe(2);
    expect(badOption.stderr).toMatch(/Unknown option '--colour'[\s\S]*Usage: gefyra-operator manifests/);
  });

  it('prints install manifests for a namespace and image', async () => {
    const io = capture();
    expect(await main(['manifests', '--namespace', 'dev', '--image', 'registry.example/op:1'], {}, io)).toBe(0);
    const documents = parseAllDocuments(io.stdout).map(
      (document) => document.toJS() as { kind: string; metadata: { namespace?: string } },
    );
    expect(documents.map((document) => document.kind)).toEqual([
      'Namespace',
      'CustomResourceDefinition',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'Deployment',
      'Service',
      'MutatingWebhookConfiguration',
    ]);
    expect(io.stdout).toMatch(/image: registry.example\/op:1/);
    expect(
      documents
        .filter((document) => document.metadata.namespace)
        .every((document) => document.metadata.namespace === 'dev'),
    ).toBe(true);
  });

  it('refuses bad manifest options clearly', async () => {
    const io = capture();
    expect(await main(['manifests', '--pull-policy', 'Sometimes'], {}, io)).toBe(2);
    expect(io.stderr).toMatch(/--pull-policy must be one of Always, IfNotPresent, Never \(got "Sometimes"\)/);
  });

  it('will not reset without --yes, and says what it would remove', async () => {
    const io = capture();
    expect(await main(['reset'], {}, io)).toBe(2);
    expect(io.stderr).toMatch(
      /This removes every intercept, every Gefyra component and the operator itself \(namespace gefyra.*\nRun again with --yes/,
    );
  });

  it('reports bad configuration before touching any cluster', async () => {
    const io = capture();
    expect(await main(['run'], { GEFYRA_PROXY_PORT_RANGE: 'wide' }, io)).toBe(2);
    expect(io.stderr).toMatch(/invalid configuration:\n {2}- GEFYRA_PROXY_PORT_RANGE must look like 10000-19999/);
  });

  it('says clearly when there is no kubeconfig', async () => {
    const io = capture();
    const code = await main(['run'], { KUBECONFIG: '/nonexistent/kubeconfig', HOME: '/nonexistent' }, io);
    expect(code).toBe(1);
    expect(io.stderr).toMatch(/kubeconfig/i);
  });
});
