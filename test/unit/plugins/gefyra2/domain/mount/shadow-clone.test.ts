import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../../../../src/ports/cluster-api.port.js';
import {
  conformName,
  DUPLICATION_ID_LABEL,
  shadowHpa,
  shadowService,
  shadowUpstreamOf,
  shadowWorkload,
} from '../../../../../../src/plugins/gefyra2/domain/mount/shadow-clone.js';

const deployment: Manifest = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web-app',
    namespace: 'shop',
    uid: 'original-uid',
    resourceVersion: '42',
    labels: { app: 'web-app' },
    annotations: {
      'deployment.kubernetes.io/revision': '3',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      team: 'shop',
    },
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web-app' } },
    template: {
      metadata: { labels: { app: 'web-app', tier: 'frontend' } },
      spec: { containers: [{ name: 'web', image: 'shop/web:1', ports: [{ containerPort: 8080 }] }] },
    },
  },
  status: { readyReplicas: 2 },
};

describe('shadowWorkload', () => {
  it('copies a Deployment under <name>-gefyra with -gefyra label values and the mount’s duplication id on its pods', () => {
    expect(shadowWorkload(deployment, 'mount-uid')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web-app-gefyra',
        namespace: 'shop',
        labels: { app: 'web-app-gefyra' },
        annotations: { team: 'shop' },
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web-app-gefyra' } },
        template: {
          metadata: { labels: { app: 'web-app-gefyra', tier: 'frontend-gefyra', [DUPLICATION_ID_LABEL]: 'mount-uid' } },
          spec: { containers: [{ name: 'web', image: 'shop/web:1', ports: [{ containerPort: 8080 }] }] },
        },
      },
    });
  });

  it('is the same shadow every time it is prepared, so preparing again rolls nothing (2.5.4 #1247)', () => {
    expect(shadowWorkload(deployment, 'mount-uid')).toEqual(shadowWorkload(deployment, 'mount-uid'));
  });

  it('copies a bare Pod with the duplication id on the pod itself, to be scheduled afresh', () => {
    const pod: Manifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'solo', namespace: 'shop', labels: { app: 'solo' } },
      spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'shop/web:1' }] },
    };
    expect(shadowWorkload(pod, 'mount-uid')).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'solo-gefyra',
        namespace: 'shop',
        labels: { app: 'solo-gefyra', [DUPLICATION_ID_LABEL]: 'mount-uid' },
        annotations: {},
      },
      spec: { containers: [{ name: 'web', image: 'shop/web:1' }] },
    });
  });

  it('keeps names and label values within 63 characters', () => {
    const long = 'a'.repeat(63);
    const shadow = shadowWorkload(
      { ...deployment, metadata: { ...deployment.metadata, name: long, labels: { app: long } } },
      'id',
    );
    expect(shadow.metadata.name).toBe(`${'a'.repeat(56)}-gefyra`);
    expect(shadow.metadata.labels?.['app']).toHaveLength(63);
    expect(conformName('short', '-gefyra')).toBe('short-gefyra');
  });
});

describe('shadowService and upstreams', () => {
  it('serves the container’s ports, named <port>-<index>, on the pods of the duplication id', () => {
    expect(
      shadowService({
        workloadName: 'web-app',
        namespace: 'shop',
        container: 'web',
        containerPorts: [8080, 9090],
        labels: { app: 'web-app-gefyra' },
        duplicationId: 'mount-uid',
      }),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web-app-web-gefyra-svc', namespace: 'shop', labels: { app: 'web-app-gefyra' } },
      spec: {
        selector: { [DUPLICATION_ID_LABEL]: 'mount-uid' },
        ports: [
          { name: '8080-0', port: 8080, targetPort: 8080, protocol: 'TCP' },
          { name: '9090-1', port: 9090, targetPort: 9090, protocol: 'TCP' },
        ],
      },
    });
    expect(shadowUpstreamOf({ name: 'web-app-web-gefyra-svc', namespace: 'shop' }, 8080)).toBe(
      'web-app-web-gefyra-svc.shop.svc.cluster.local:8080',
    );
  });
});

describe('shadowHpa', () => {
  it('copies the HPA of the original Deployment to scale the shadow, under the shadow’s name', () => {
    const hpa: Manifest = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web-app-hpa', namespace: 'shop', uid: 'u', labels: { app: 'web-app' } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-app' },
        minReplicas: 1,
        maxReplicas: 5,
      },
    };
    expect(shadowHpa(hpa, 'web-app-gefyra')).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web-app-gefyra', namespace: 'shop', labels: { app: 'web-app' } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-app-gefyra' },
        minReplicas: 1,
        maxReplicas: 5,
      },
    });
  });
});
