import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { interceptRequestCrd } from '../../../src/crd/intercept-request-crd.js';
import { deployFiles } from '../../../src/install/deploy-files.js';
import { installManifests } from '../../../src/install/install-manifests.js';

const deployDirectory = join(import.meta.dirname, '..', '..', '..', 'deploy');

describe('deploy/', () => {
  it.each(Object.entries(deployFiles()))('%s is what src/install generates (run `npm run manifests:write`)', (name, content) => {
    expect(readFileSync(join(deployDirectory, name), 'utf8')).toBe(content);
  });

  it('carries the CRD generated from the domain schema', () => {
    const [crd] = parseAllDocuments(readFileSync(join(deployDirectory, 'crd.yaml'), 'utf8')).map((document) => document.toJS());
    expect(crd).toEqual(interceptRequestCrd());
  });
});

describe('the CRD', () => {
  const version = (interceptRequestCrd()['spec'] as { versions: Record<string, unknown>[] }).versions[0]!;
  const schema = (version['schema'] as { openAPIV3Schema: { properties: Record<string, Record<string, unknown>> } }).openAPIV3Schema;

  it('types every field the Gefyra 0.13 client sends, at the top level', () => {
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['apiVersion', 'kind', 'metadata', 'destinationIP', 'targetPod', 'targetNamespace', 'targetContainer', 'portMappings', 'syncDownDirectories', 'handleProbes', 'established', 'status'].sort(),
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
  const rules = (kind: string) => (manifests.find((manifest) => manifest.kind === kind)?.['rules'] ?? []) as { resources: string[]; verbs: string[]; resourceNames?: string[] }[];

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
