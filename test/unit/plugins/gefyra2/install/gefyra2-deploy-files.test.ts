import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type CliOutput } from '../../../../../src/cli/main.js';
import { gefyra2DeployFiles } from '../../../../../src/plugins/gefyra2/install/gefyra2-deploy-files.js';
import { gefyra2InstallManifests } from '../../../../../src/plugins/gefyra2/install/gefyra2-manifests.js';
import { parseAllDocuments } from 'yaml';
import type { Manifest } from '../../../../../src/ports/cluster-api.port.js';

const deployDirectory = join(import.meta.dirname, '..', '..', '..', '..', '..', 'deploy', 'gefyra2');
type Probe = {
  httpGet?: { path: string };
  exec?: { command: string[] };
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
};
type Probed = { startupProbe?: Probe; livenessProbe?: Probe };
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

describe('deploy/gefyra2/', () => {
  it.each(Object.entries(gefyra2DeployFiles()))(
    '%s is what src/install generates (run `npm run manifests:write`)',
    (name, content) => {
      expect(readFileSync(join(deployDirectory, name), 'utf8')).toBe(content);
    },
  );
});

describe('the Gefyra 2.x install', () => {
  const manifests = gefyra2InstallManifests({ namespace: 'gefyra', image: 'registry.example/op:1' });
  const named = (kind: string, name: string) =>
    manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name) as Manifest;
  const rules = (kind: string, name: string) => (named(kind, name)['rules'] ?? []) as Rule[];

  // Seen on the real node (test/realnode/gefyra2-install.test.ts): Node.js took 10-15 s to listen on a busy node, and the
  // kubelet killed both pods (liveness: 3 failures 5 or 10 s apart) before they did; the exec check outran 1 s, then 10 s.
  it.each([
    ['gefyra-operator', '/healthz'],
    ['gefyra-operator-webhook', '/healthz'],
  ])('gives %s a start-up probe on %s of at least two minutes before liveness counts', (name, path) => {
    const [container] = (named('Deployment', name)['spec'] as { template: { spec: { containers: Probed[] } } }).template
      .spec.containers;
    expect(container?.startupProbe?.httpGet?.path).toBe(path);
    const { periodSeconds = 10, failureThreshold = 3 } = container?.startupProbe ?? {};
    expect(periodSeconds * failureThreshold).toBeGreaterThanOrEqual(120);
  });

  it('gives the webhook’s exec liveness check (a Node.js process) thirty seconds, not the default one', () => {
    const [container] = (
      named('Deployment', 'gefyra-operator-webhook')['spec'] as { template: { spec: { containers: Probed[] } } }
    ).template.spec.containers;
    expect(container?.livenessProbe).toMatchObject({ exec: { command: ['python', 'gefyra/healthcheck.py'] } });
    expect(container?.livenessProbe?.timeoutSeconds).toBe(30);
  });

  it("stamps InterceptRequest requesters on the operator's pods (not the webhook's), with the review required", () => {
    const stamping = named('MutatingWebhookConfiguration', 'gefyra-operator-requester')['webhooks'] as {
      clientConfig: { service: Record<string, string> };
      rules: { resources: string[] }[];
    }[];
    expect(
      stamping.map((hook) => [
        hook.clientConfig.service['name'],
        hook.clientConfig.service['path'],
        hook.rules[0]?.resources,
      ]),
    ).toEqual([['gefyra-operator-admission', '/stamp-requester', ['interceptrequests']]]);
    const operatorPods = (
      named('Deployment', 'gefyra-operator')['spec'] as { template: { metadata: { labels: Record<string, string> } } }
    ).template.metadata.labels;
    const webhookPods = (
      named('Deployment', 'gefyra-operator-webhook')['spec'] as {
        template: { metadata: { labels: Record<string, string> } };
      }
    ).template.metadata.labels;
    const selector = (named('Service', 'gefyra-operator-admission')['spec'] as { selector: Record<string, string> })
      .selector;
    const selects = (labels: Record<string, string>) =>
      Object.entries(selector).every(([key, value]) => labels[key] === value);
    expect([selects(operatorPods), selects(webhookPods)]).toEqual([true, false]);
    expect(JSON.stringify(named('Deployment', 'gefyra-operator'))).toContain(
      '{"name":"GEFYRA_REQUESTER_REVIEW","value":"required"}',
    );
  });

  it('has the four CRDs, both Deployments of the one image, the Service and the webhook configuration the 2.5 client has', () => {
    expect(
      manifests.filter((manifest) => manifest.kind === 'CustomResourceDefinition').map((crd) => crd.metadata.name),
    ).toEqual([
      'interceptrequests.gefyra.dev',
      'gefyraclients.gefyra.dev',
      'gefyrabridgemounts.gefyra.dev',
      'gefyrabridges.gefyra.dev',
    ]);
    const service = named('Service', 'gefyra-admission');
    expect(service['spec']).toEqual({
      selector: { 'gefyra.dev/app': 'gefyra-operator', 'gefyra.dev/role': 'webhook' },
      ports: [{ protocol: 'TCP', port: 443, targetPort: 9443 }],
    });
    const webhook = JSON.stringify(named('Deployment', 'gefyra-operator-webhook'));
    expect(webhook).toContain('{"name":"OP_MODE","value":"webhook"}');
    expect(webhook).toContain('"command":["python","gefyra/healthcheck.py"]');
    expect(webhook).toContain('"image":"registry.example/op:1"');
    expect(JSON.stringify(named('Deployment', 'gefyra-operator'))).toContain(
      '{"name":"GEFYRA_CLIENT_CONTRACT","value":"2"}',
    );
    const hooks = named('ValidatingWebhookConfiguration', 'gefyra.dev')['webhooks'] as {
      name: string;
      failurePolicy: string;
      clientConfig: Record<string, unknown>;
    }[];
    expect(
      hooks.map((hook) => [
        hook.name,
        hook.failurePolicy,
        (hook.clientConfig['service'] as { path: string }).path,
        hook.clientConfig['caBundle'],
      ]),
    ).toEqual([
      ['client-parameters.gefyra.dev', 'Fail', '/client-parameters', undefined],
      ['mount-parameters.gefyra.dev', 'Fail', '/mount-parameters', undefined],
      ['bridge-parameters.gefyra.dev', 'Fail', '/bridge-parameters', undefined],
    ]);
  });

  it('gives the webhook only its Secret, what its rules read, Events and a patch of its own configuration', () => {
    expect(rules('ClusterRole', 'gefyra-operator-webhook')).toEqual([
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['validatingwebhookconfigurations'],
        verbs: ['patch'],
        resourceNames: ['gefyra.dev'],
      },
    ]);
    const namespaced = rules('Role', 'gefyra-operator-webhook');
    // Writes: its Secret (by name), its readiness Event (posted again when stamped after its eventTime).
    expect(namespaced.filter((rule) => rule.verbs.some((verb) => verb !== 'get' && verb !== 'list'))).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'patch'], resourceNames: ['gefyra-admission-tls'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'delete', 'patch'] },
    ]);
  });

  it('lets the developers’ accounts (gefyra-client) make every call the 2.5 client makes with them', () => {
    // client-reads.md, "calls made as the client ServiceAccount": `bridge create` reads the mount and waits on
    // core/v1 Events, `bridge rm` watches the bridges, `run` lists and patches them.
    const calls: [group: string, resource: string, verb: string][] = [
      ...['get', 'patch', 'list'].map((verb): [string, string, string] => ['gefyra.dev', 'gefyraclients', verb]),
      ...['create', 'get', 'list', 'patch', 'delete', 'watch'].map((verb): [string, string, string] => [
        'gefyra.dev',
        'gefyrabridges',
        verb,
      ]),
      ['gefyra.dev', 'gefyrabridgemounts', 'get'],
      ['', 'events', 'list'],
      ['', 'events', 'watch'],
      ['', 'pods/exec', 'create'],
      ['', 'pods', 'list'],
      ['apps', 'deployments', 'get'],
    ];
    const client = rules('ClusterRole', 'gefyra-client');
    const denied = calls.filter(
      ([group, resource, verb]) =>
        !client.some(
          (rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb),
        ),
    );
    expect(denied).toEqual([]);
  });

  it('lets the operator read, not create, the CRDs it finds applied, and bind only gefyra-client', () => {
    const cluster = rules('ClusterRole', 'gefyra-operator');
    const crdRules = cluster.filter((rule) => rule.resources.includes('customresourcedefinitions'));
    expect(crdRules.flatMap((rule) => rule.verbs)).not.toContain('create');
    expect(cluster).toContainEqual({
      apiGroups: ['rbac.authorization.k8s.io'],
      resources: ['clusterroles'],
      verbs: ['get', 'bind'],
      resourceNames: ['gefyra-client'],
    });
    const rbac = manifests.filter((manifest) => manifest.kind === 'ClusterRole' || manifest.kind === 'Role');
    expect(JSON.stringify(rbac)).not.toMatch(/"\*"/);
  });
});

describe('gefyra-operator manifests --contract', () => {
  const capture = (): CliOutput & { stdout: string; stderr: string } => {
    const io = {
      stdout: '',
      stderr: '',
      out: (text: string) => void (io.stdout += `${text}\n`),
      err: (text: string) => void (io.stderr += `${text}\n`),
    };
    return io;
  };

  it('prints the 2.x install with --contract 2 and refuses another value', async () => {
    const io = capture();
    expect(await main(['manifests', '--contract', '2', '--namespace', 'gefyra'], {}, io)).toBe(0);
    const kinds = parseAllDocuments(io.stdout).map((document) => (document.toJS() as Manifest).kind);
    expect(kinds).toEqual(expect.arrayContaining(['ValidatingWebhookConfiguration', 'Service']));
    expect(kinds.filter((kind) => kind === 'CustomResourceDefinition')).toHaveLength(4);
    const bad = capture();
    expect(await main(['manifests', '--contract', '3'], {}, bad)).toBe(2);
    expect(bad.stderr).toContain('--contract must be 0.13 or 2 (got "3")');
  });
});
