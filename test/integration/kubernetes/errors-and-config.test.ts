import { mkdtemp, rm, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkApiReachable,
  KubernetesClusterApi,
  loadKubeConfig,
} from '../../../src/adapters/kubernetes/client/index.js';
import { useControlPlane, useTestNamespace } from '../../support/control-plane/vitest.js';
import { configMap, failure, never, withServer } from './fixtures.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

describe('Kubernetes adapter failures', () => {
  const cluster = useControlPlane();
  const namespace = useTestNamespace('errors');

  describe('with a ServiceAccount that may only read ConfigMaps', () => {
    let token = '';
    let api: KubernetesClusterApi;

    beforeAll(async () => {
      const admin = new KubernetesClusterApi(cluster.adminKubeConfig());
      const ns = namespace.name;
      await admin.apply(
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: ns } },
        never,
      );
      await admin.apply(
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'reader', namespace: ns },
          rules: [{ apiGroups: [''], resources: ['configmaps', 'pods'], verbs: ['get', 'list'] }],
        },
        never,
      );
      await admin.apply(
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'reader', namespace: ns },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
          subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
        },
        never,
      );
      const credentials = await cluster.serviceAccountKubeConfig(ns, 'reader');
      token = credentials.token;
      api = new KubernetesClusterApi(credentials.kubeConfig);
    });

    it('reads what RBAC allows', async () => {
      expect(await api.list({ apiVersion: 'v1', kind: 'ConfigMap' }, namespace.name, undefined, never)).toBeInstanceOf(
        Array,
      );
    });

    it('says which verb on which resource in which namespace RBAC refused', async () => {
      const error = await failure(
        api.patchPod({ namespace: namespace.name, name: 'web' }, { annotations: { a: '1' } }, never),
      );

      expect(error.kind).toBe('Forbidden');
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(new RegExp(`^the operator may not patch pods in namespace ${namespace.name}: `));
      expect(error.message).toContain(`system:serviceaccount:${namespace.name}:reader`);
      expect(error.message).toContain('RBAC');
      expect(error.details).toMatchObject({
        statusCode: 403,
        verb: 'patch',
        resource: 'pods',
        namespace: namespace.name,
      });
      expect(error.message).not.toContain(token);
    });

    it('names the status subresource and cluster scope', async () => {
      const status = await failure(
        api.patch({ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', namespace: namespace.name }, { data: {} }, never),
      );
      expect(status.message).toContain(`may not patch configmaps in namespace ${namespace.name}`);
      const clusterScoped = await failure(
        api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'not-allowed' } }, never),
      );
      expect(clusterScoped.message).toContain('may not patch namespaces at cluster scope');
      const listAll = await failure(api.list({ apiVersion: 'v1', kind: 'ConfigMap' }, undefined, undefined, never));
      expect(listAll.message).toContain('may not list configmaps at cluster scope');
    });

    it('refuses exec without pods/exec as Forbidden', async () => {
      const error = await failure(
        api.exec({ namespace: namespace.name, name: 'web', container: 'main' }, ['secret-command', '--key=abc'], never),
      );
      expect(error.kind).toBe('Forbidden');
      expect(error.message).toContain(`may not create pods/exec in namespace ${namespace.name}`);
      expect(error.message).not.toContain('--key=abc');
    });
  });

  it('reports rejected credentials (401) without the token', async () => {
    const admin = cluster.adminKubeConfig();
    const bogus = new KubeConfig();
    bogus.loadFromOptions({
      clusters: admin.clusters,
      users: [{ name: 'bogus', token: 'not-a-valid-token-0123456789' }],
      contexts: [{ name: 'bogus', cluster: admin.clusters[0]?.name ?? '', user: 'bogus' }],
      currentContext: 'bogus',
    });
    const error = await failure(new KubernetesClusterApi(bogus).find(configMapRef(namespace.name), never));
    expect(error.kind).toBe('Forbidden');
    expect(error.message).toContain('401 Unauthorized');
    expect(error.message).toContain(cluster.server);
    expect(error.message).not.toContain('not-a-valid-token');
  });

  it('reports an unreachable API server as Unavailable, naming its URL', async () => {
    const server = `https://127.0.0.1:${await closedPort()}`;
    const offline = withServer(cluster.adminKubeConfig(), server);

    const error = await failure(new KubernetesClusterApi(offline).apply(configMap(namespace.name, 'x', {}), never));
    expect(error.kind).toBe('Unavailable');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`cannot reach the Kubernetes API server at ${server}`);
    expect(error.details['code']).toBe('ECONNREFUSED');

    const exec = await failure(
      new KubernetesClusterApi(offline).exec({ namespace: 'a', name: 'b', container: 'c' }, ['true'], never),
    );
    expect(exec.kind).toBe('Unavailable');
    expect(exec.message).toContain(server);

    const check = await failure(checkApiReachable(offline, AbortSignal.timeout(5_000)));
    expect(check.kind).toBe('Unavailable');
    expect(check.message).toContain(server);
  });

  it('checks a reachable API server cheaply', async () => {
    expect(await checkApiReachable(cluster.adminKubeConfig(), AbortSignal.timeout(5_000))).toEqual({
      gitVersion: cluster.version,
    });
  });

  describe('loadKubeConfig', () => {
    let dir = '';
    beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'kube-config-test-'))));
    afterAll(async () => await rm(dir, { recursive: true, force: true }));

    it('loads an explicit file before anything else', () => {
      const config = loadKubeConfig(cluster.kubeconfigPath, {
        environment: { KUBECONFIG: '/nonexistent' },
        homeDir: dir,
      });
      expect(config.getCurrentCluster()?.server).toBe(cluster.server);
    });

    it('loads KUBECONFIG, a list of files merged like kubectl', () => {
      const config = loadKubeConfig(undefined, {
        environment: { KUBECONFIG: [cluster.kubeconfigPath, join(dir, 'missing')].join(delimiter) },
        homeDir: dir,
      });
      expect(config.getCurrentCluster()?.server).toBe(cluster.server);
    });

    it('uses the pod ServiceAccount inside a cluster', async () => {
      const accountDir = join(dir, 'serviceaccount');
      await mkdir(accountDir, { recursive: true });
      await writeFile(join(accountDir, 'token'), 'token-from-file');
      await writeFile(join(accountDir, 'namespace'), 'gefyra\n');
      await writeFile(join(accountDir, 'ca.crt'), 'not used here');
      const config = loadKubeConfig(undefined, {
        environment: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
        homeDir: dir,
        serviceAccountDir: accountDir,
      });
      expect(config.getCurrentCluster()?.server).toBe('https://10.0.0.1:443');
      expect(config.getContextObject(config.getCurrentContext())?.namespace).toBe('gefyra');
    });

    it('falls back to ~/.kube/config', async () => {
      await mkdir(join(dir, '.kube'), { recursive: true });
      await copyFile(cluster.kubeconfigPath, join(dir, '.kube', 'config'));
      expect(loadKubeConfig(undefined, { environment: {}, homeDir: dir }).getCurrentCluster()?.server).toBe(
        cluster.server,
      );
    });

    it('says what to set when there is no kubeconfig', () => {
      const attempt = () =>
        loadKubeConfig(undefined, {
          environment: {},
          homeDir: join(dir, 'empty-home'),
          serviceAccountDir: join(dir, 'none'),
        });
      expect(attempt).toThrow('no kubeconfig found: set KUBECONFIG or run inside a cluster');
      expect(() => loadKubeConfig(join(dir, 'absent.yaml'))).toThrow(/kubeconfig .*absent\.yaml does not exist/);
    });

    it('does not echo the content of a broken kubeconfig', async () => {
      const broken = join(dir, 'broken.yaml');
      await writeFile(broken, 'users:\n- name: x\n  user: {token: "s3cr3t-token"\n');
      let message = '';
      try {
        loadKubeConfig(broken);
      } catch (error) {
        message = error instanceof Error ? error.message : String(error);
      }
      expect(message).toContain('cannot be read as a kubeconfig');
      expect(message).not.toContain('s3cr3t');
    });
  });
});

const configMapRef = (namespace: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: 'anything', namespace });
