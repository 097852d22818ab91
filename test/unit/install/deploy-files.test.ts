import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { interceptRequestCrd } from '../../../src/crd/intercept-request-crd.js';
import { deployFiles } from '../../../src/install/deploy-files.js';
import { installManifests } from '../../../src/install/install-manifests.js';

const deployDirectory = join(import.meta.dirname, '..', '..', '..', 'deploy');

describe('deploy/', () => {
  it.each(Object.entries(deployFiles()))(
    '%s is what src/install generates (run `npm run manifests:write`)',
    (name, content) => {
      expect(readFileSync(join(deployDirectory, name), 'utf8')).toBe(content);
    },
  );

  it('carries the CRD generated from the domain schema', () => {
    const [crd] = parseAllDocuments(readFileSync(join(deployDirectory, 'crd.yaml'), 'utf8')).map((document) =>
      document.toJS(),
    );
    expect(crd).toEqual(interceptRequestCrd());
  });
});

describe('the CRD', () => {
  const version = (interceptRequestCrd()['spec'] as { versions: Record<string, unknown>[] }).versions[0]!;
  const schema = (version['schema'] as { openAPIV3Schema: { properties: Record<string, Record<string, unknown>> } })
    .openAPIV3Schema;

  it('types every field the Gefyra 0.13 client sends, at the top level', () => {
    expect(Object.keys(schema.properties).sort()).toEqual(
      [
        'apiVersion',
        'kind',
        'metadata',
        'destinationIP',
        'targetPod',
        'targetNamespace',
        'targetContainer',
        'portMappings',
        'syncDownDirectories',
        'handleProbes',
        'established',
        'status',
      ].sort(),
    );
    expect(schema.properties['portMappings']).toMatchObject({ type: 'array', items: { type: 'string' } });
    expect(schema.properties['established']).toMatchObject({ type: 'boolean', default: false });
  });

  it('is structural: no JSON-Schema-only keywords a v1 CRD rejects', () => {
    expect(JSON.stringify(schema)).not.toMatch(/"\$schema"|"additionalProperties"|"anyOf"|"minimum":-9007199254740991/);
  });

  it('has a status subresource, the short name ireq and printer columns', () => {
    expect(version['subresources']).toEqual({ status: {} });
    expect((interceptRequestCrd()['spec'] as { names: { shortNames: string[] } }).names.shortNames).toEqual(['ireq']);
    expect((version['additionalPrinterColumns'] as { name: string }[]).map((column) => column.name)).toEqual([
      'Target',
      'Namespace',
      'Container',
      'Ports',
      'State',
      'Established',
      'Reason',
      'Age',
    ]);
  });
});

describe('the RBAC', () => {
  const manifests = installManifests({ namespace: 'gefyra', image: 'x' });
  const rules = (kind: string) =>
    (manifests.find((manifest) => manifest.kind === kind)?.['rules'] ?? []) as {
      resources: string[];
      verbs: string[];
      resourceNames?: string[];
    }[];

  it('never grants wildcards', () => {
    expect(JSON.stringify(manifests)).not.toMatch(/"\*"/);
  });

  it('limits cluster-wide deletes to the operator’s own objects', () => {
    for (const rule of rules('ClusterRole').filter((candidate) => candidate.verbs.includes('delete'))) {
      expect(rule.resourceNames, rule.resources.join()).toBeDefined();
    }
  });

  it('grants no cluster-wide access to Secrets or ConfigMaps', () => {
    expect(rules('ClusterRole').flatMap((rule) => rule.resources)).not.toEqual(expect.arrayContaining(['secrets']));
    expect(rules('ClusterRole').flatMap((rule) => rule.resources)).not.toEqual(expect.arrayContaining(['configmaps']));
  });
});

describe('the requester-stamping webhook of deploy/ (issue 18, item 7)', () => {
  const documents = (file: string) =>
    parseAllDocuments(readFileSync(join(deployDirectory, file), 'utf8')).map(
      (document) => document.toJS() as Record<string, unknown> & { kind: string; metadata: { name: string } },
    );

  it('sends every CREATE and UPDATE of an InterceptRequest to the operator, failing closed', () => {
    const configuration = documents('webhook.yaml').find(
      (document) => document.kind === 'MutatingWebhookConfiguration',
    );
    expect(configuration?.metadata.name).toBe('gefyra-operator-requester');
    expect(configuration?.['webhooks']).toEqual([
      expect.objectContaining({
        clientConfig: { service: { name: 'gefyra-operator-admission', namespace: 'gefyra', path: '/stamp-requester' } },
        failurePolicy: 'Fail',
        sideEffects: 'None',
        rules: [
          {
            apiGroups: ['gefyra.dev'],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['interceptrequests'],
            scope: 'Namespaced',
          },
        ],
      }),
    ]);
    const service = documents('webhook.yaml').find((document) => document.kind === 'Service');
    expect(service?.['spec']).toEqual({
      selector: { 'app.kubernetes.io/name': 'gefyra-operator', 'app.kubernetes.io/component': 'operator' },
      ports: [{ name: 'webhook', protocol: 'TCP', port: 443, targetPort: 'webhook' }],
    });
  });

  it("turns the webhook on and the review to required in the operator's Deployment, whose pods the Service selects", () => {
    const [deployment] = documents('operator.yaml') as unknown as {
      spec: {
        template: {
          metadata: { labels: Record<string, string> };
          spec: {
            containers: { env: { name: string; value?: string }[]; ports: { name: string; containerPort: number }[] }[];
          };
        };
      };
    }[];
    const container = deployment!.spec.template.spec.containers[0]!;
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'GEFYRA_REQUESTER_WEBHOOK', value: 'on' },
        { name: 'GEFYRA_REQUESTER_REVIEW', value: 'required' },
      ]),
    );
    expect(container.ports).toContainEqual({ name: 'webhook', containerPort: 9443, protocol: 'TCP' });
    expect(deployment!.spec.template.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'gefyra-operator',
      'app.kubernetes.io/component': 'operator',
    });
  });

  it('lets the operator read only its own two webhook Secrets by name and patch only its own configuration', () => {
    const rbac = documents('rbac.yaml');
    const role = rbac.find((document) => document.kind === 'Role')!['rules'] as {
      resources: string[];
      verbs: string[];
      resourceNames?: string[];
    }[];
    expect(role.filter((rule) => rule.resources.includes('secrets') && rule.verbs.includes('get'))).toEqual([
      {
        apiGroups: [''],
        resources: ['secrets'],
        verbs: ['get', 'patch'],
        resourceNames: ['gefyra-operator-admission-tls', 'gefyra-operator-requester-stamp-key'],
      },
    ]);
    const clusterRole = rbac.find((document) => document.kind === 'ClusterRole')!['rules'] as { resources: string[] }[];
    expect(
      clusterRole.filter((rule) => rule.resources.some((resource) => resource.includes('webhookconfigurations'))),
    ).toEqual([
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['mutatingwebhookconfigurations'],
        verbs: ['patch'],
        resourceNames: ['gefyra-operator-requester'],
      },
    ]);
  });
});

describe("the operator's probes", () => {
  interface Probe {
    httpGet?: { path: string; port: string };
    periodSeconds?: number;
    failureThreshold?: number;
    initialDelaySeconds?: number;
    timeoutSeconds?: number;
  }
  const container = (file: string): Record<string, Probe | undefined> => {
    const [deployment] = parseAllDocuments(readFileSync(join(deployDirectory, file), 'utf8'))
      .map((document) => document.toJS() as Record<string, unknown>)
      .filter((document) => document['kind'] === 'Deployment') as {
      spec: { template: { spec: { containers: Record<string, Probe | undefined>[] } } };
    }[];
    return deployment!.spec.template.spec.containers[0]!;
  };
  /** How long the kubelet lets a probe fail before it acts (Kubernetes' defaults: every 10 s, 3 failures). */
  const allowedSeconds = (probe: Probe | undefined): number =>
    (probe?.initialDelaySeconds ?? 0) + (probe?.periodSeconds ?? 10) * (probe?.failureThreshold ?? 3);

  // Seen on the real node: Node.js took 10-26 s to load the operator before it listened, on a busy
  // node; a liveness probe allowing 15 s killed it again and again (a rolling update's new pod, the
  // pod under 1,000 intercepts), and answers took longer than the kubelet's default 1 s.
  it.each(['operator.yaml', 'gefyra2/operator.yaml'])(
    '%s: a startup probe on /healthz gives a starting process five minutes before liveness judges it, every probe 5 s to answer',
    (file) => {
      const probes = container(file);
      expect(probes['startupProbe']?.httpGet).toEqual({ path: '/healthz', port: 'health' });
      expect(allowedSeconds(probes['startupProbe'])).toBeGreaterThanOrEqual(300);
      // Once started, a hung process is still restarted as soon as before.
      expect(allowedSeconds(probes['livenessProbe'])).toBe(15);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
        expect(probes[probe]?.timeoutSeconds, probe).toBe(5);
    },
  );
});
