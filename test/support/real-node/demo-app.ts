import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pollUntil } from '../control-plane/polling.js';
import { execIn, type ContainerRef } from './pod-checks.js';
import { DEMO_APP_IMAGE, DEMO_APP_PORT } from './stand-in-images.js';

/**
 * Workloads to intercept, each a Deployment `<app>` (label `app: <app>`, one
 * replica, container `web`) with a Service `<app>`, and a pod `client` that
 * asks them, all of the demo app's image, in `namespace`.
 */
export async function createDemoApp(
  kubeConfig: KubeConfig,
  namespace: string,
  apps: readonly string[] = ['demo'],
): Promise<void> {
  const container = { image: DEMO_APP_IMAGE, imagePullPolicy: 'Never' };
  const core = kubeConfig.makeApiClient(CoreV1Api);
  for (const app of apps) {
    const labels = { app };
    await kubeConfig.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: app, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [{ ...container, name: 'web', ports: [{ containerPort: DEMO_APP_PORT, protocol: 'TCP' }] }],
            },
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: app },
        spec: { selector: labels, ports: [{ port: DEMO_APP_PORT, targetPort: DEMO_APP_PORT, protocol: 'TCP' }] },
      },
    });
  }
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'client', labels: { app: 'client' } },
      spec: { containers: [{ ...container, name: 'client', command: ['sleep', '3600'] }] },
    },
  });
}

const demoClient = (namespace: string): ContainerRef => ({ namespace, pod: 'client', container: 'client' });

/**
 * What the client pod gets from the Service `app` by its DNS name (kube-proxy's
 * ClusterIP routing and the DNS stand-in), or '' when nobody answers within 5 s.
 * busybox wget without -T (it crashes in these pods); `timeout` ends the wait.
 */
export async function askDemoApp(kubeConfig: KubeConfig, namespace: string, app: string): Promise<string> {
  const url = `http://${app}.${namespace}.svc.cluster.local:${DEMO_APP_PORT}/`;
  const answer = await execIn(kubeConfig, demoClient(namespace), ['timeout', '5', 'wget', '-q', '-O', '-', url]).catch(
    () => '',
  );
  return answer.trim();
}

/** Waits until the Service `app` answers `body` to the client pod. */
export async function waitForDemoAnswer(
  kubeConfig: KubeConfig,
  namespace: string,
  app: string,
  body: string,
  what: string,
  timeoutMs = 90_000,
): Promise<void> {
  await pollUntil(what, async () => ((await askDemoApp(kubeConfig, namespace, app)) === body ? true : undefined), {
    timeoutMs,
    intervalMs: 1_000,
  });
}
