import { readFile } from 'node:fs/promises';
import { ApiException, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { useControlPlane, useTestNamespace } from '../../support/control-plane/vitest.js';

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

describe('ServiceAccount credentials', () => {
  const cluster = useControlPlane();
  const namespace = useTestNamespace('rbac');

  it('get exactly what the ServiceAccount Role grants', async () => {
    const admin = cluster.adminKubeConfig();
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: namespace.name, body: { metadata: { name: 'reader' } } });
    await rbac.createNamespacedRole({
      namespace: namespace.name,
      body: {
        metadata: { name: 'configmap-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: namespace.name,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: namespace.name }],
      },
    });
    await core.createNamespacedConfigMap({
      namespace: namespace.name,
      body: { metadata: { name: 'settings' }, data: { a: '1' } },
    });

    const credentials = await cluster.serviceAccountKubeConfig(namespace.name, 'reader');
    expect(credentials.username).toBe(`system:serviceaccount:${namespace.name}:reader`);
    expect(await readFile(credentials.kubeconfigPath, 'utf8')).toContain(credentials.token);
    const asReader = credentials.kubeConfig.makeApiClient(CoreV1Api);

    const settings = await asReader.readNamespacedConfigMap({ namespace: namespace.name, name: 'settings' });
    expect(settings.data).toEqual({ a: '1' });
    expect(await statusOf(asReader.listNamespacedConfigMap({ namespace: namespace.name }))).toBe(200);
    expect(
      await statusOf(
        asReader.createNamespacedConfigMap({ namespace: namespace.name, body: { metadata: { name: 'nope' } } }),
      ),
    ).toBe(403);
    expect(await statusOf(asReader.listNamespacedSecret({ namespace: namespace.name }))).toBe(403);
    expect(await statusOf(asReader.listNamespacedConfigMap({ namespace: 'default' }))).toBe(403);
    const forbidden = await asReader.listNamespacedPod({ namespace: namespace.name }).catch((error: unknown) => error);
    expect(forbidden).toBeInstanceOf(ApiException);
    expect(JSON.parse((forbidden as ApiException<string>).body)).toMatchObject({ reason: 'Forbidden', code: 403 });
  });

  it('leave a trace per user in the audit log', async () => {
    const lines = (await readFile(cluster.auditLogPath, 'utf8')).trim().split('\n');
    const events = lines.map(
      (line) =>
        JSON.parse(line) as {
          user: { username: string };
          verb: string;
          objectRef?: { resource?: string };
          responseStatus?: { code?: number };
        },
    );
    const reader = events.filter((event) => event.user.username === `system:serviceaccount:${namespace.name}:reader`);
    expect(reader.length).toBeGreaterThanOrEqual(6);
    expect(
      reader.some(
        (event) =>
          event.verb === 'create' && event.objectRef?.resource === 'configmaps' && event.responseStatus?.code === 403,
      ),
    ).toBe(true);
    const users = new Set(events.map((event) => event.user.username));
    expect(users).toContain('kubernetes-admin');
    expect(users).toContain('system:kube-controller-manager');
    expect(users).toContain('system:kube-scheduler');
  });
});
