import { describe, expect, it } from 'vitest';
import { toDomainPod } from '../../../../../src/adapters/kubernetes/shapes/pod-mapping.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-1',
    namespace: 'shop',
    uid: 'u-1',
    resourceVersion: '42',
    creationTimestamp: '2024-05-01T10:00:00Z',
    labels: { app: 'web' },
    annotations: { note: 'n' },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d9', uid: 'rs-1' },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'extra', uid: 'cm-1' },
    ],
  },
  spec: {
    containers: [
      {
        name: 'web',
        image: 'nginx:1.25',
        command: ['nginx'],
        args: ['-g', 'daemon off;'],
        ports: [
          { containerPort: 8080, name: 'http' },
          { containerPort: 53, protocol: 'UDP' },
        ],
        livenessProbe: { httpGet: { path: '/', port: 'http' } },
        readinessProbe: { tcpSocket: { port: 8080 } },
        startupProbe: { exec: { command: ['true'] } },
      },
      { name: 'grpc', image: 'svc:1', readinessProbe: { grpc: { port: 9090 } } },
    ],
  },
  status: {
    phase: 'Running',
    podIP: '10.244.0.7',
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'ContainersReady', status: 'True' },
    ],
    containerStatuses: [
      {
        name: 'web',
        image: 'nginx:1.25',
        imageID: 'docker-pullable://nginx@sha256:abc',
        containerID: 'containerd://c1',
        ready: true,
        restartCount: 2,
        state: { running: { startedAt: '2024-05-01T10:00:05Z' } },
      },
      {
        name: 'grpc',
        image: 'svc:1',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } },
      },
    ],
  },
};

describe('toDomainPod', () => {
  it('maps metadata, spec and status', () => {
    expect(toDomainPod(pod)).toEqual({
      namespace: 'shop',
      name: 'web-1',
      uid: 'u-1',
      resourceVersion: '42',
      createdAt: new Date('2024-05-01T10:00:00Z'),
      deleting: false,
      labels: { app: 'web' },
      annotations: { note: 'n' },
      ownerCount: 2,
      phase: 'Running',
      podIP: '10.244.0.7',
      ready: true,
      containers: [
        {
          name: 'web',
          image: 'nginx:1.25',
          command: ['nginx'],
          args: ['-g', 'daemon off;'],
          ports: [
            { containerPort: 8080, protocol: 'TCP', name: 'http' },
            { containerPort: 53, protocol: 'UDP' },
          ],
          probes: {
            liveness: { kind: 'httpGet', port: 'http' },
            readiness: { kind: 'tcpSocket', port: 8080 },
            startup: { kind: 'exec' },
          },
        },
        { name: 'grpc', image: 'svc:1', ports: [], probes: { readiness: { kind: 'grpc', port: 9090 } } },
      ],
      containerStatuses: [
        {
          name: 'web',
          image: 'nginx:1.25',
          imageID: 'docker-pullable://nginx@sha256:abc',
          containerID: 'containerd://c1',
          ready: true,
          restartCount: 2,
          current: { state: 'running', startedAt: new Date('2024-05-01T10:00:05Z') },
        },
        {
          name: 'grpc',
          image: 'svc:1',
          imageID: '',
          ready: false,
          restartCount: 0,
          current: { state: 'waiting', reason: 'ImagePullBackOff', message: 'Back-off pulling image' },
        },
      ],
    });
  });

  it('accepts client-node models with Date timestamps', () => {
    const model = {
      ...pod,
      metadata: {
        ...pod.metadata,
        creationTimestamp: new Date('2024-05-01T10:00:00Z'),
        deletionTimestamp: new Date('2024-05-01T11:00:00Z'),
      },
      status: {
        ...pod.status,
        containerStatuses: [
          { ...pod.status.containerStatuses[0], state: { running: { startedAt: new Date('2024-05-01T10:00:05Z') } } },
        ],
      },
    };
    const mapped = toDomainPod(model);
    expect(mapped.createdAt).toEqual(new Date('2024-05-01T10:00:00Z'));
    expect(mapped.deleting).toBe(true);
    expect(mapped.containerStatuses[0]?.current).toEqual({
      state: 'running',
      startedAt: new Date('2024-05-01T10:00:05Z'),
    });
  });

  it('reads readiness from the Ready condition only', () => {
    const notReady = {
      ...pod,
      status: {
        ...pod.status,
        conditions: [
          { type: 'Ready', status: 'False' },
          { type: 'ContainersReady', status: 'True' },
        ],
      },
    };
    expect(toDomainPod(notReady).ready).toBe(false);
  });

  it('maps terminated containers and a pod nobody has looked at yet', () => {
    const terminated = {
      ...pod,
      status: {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'web',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 1,
            state: { terminated: { reason: 'Error', exitCode: 137 } },
          },
        ],
      },
    };
    expect(toDomainPod(terminated).containerStatuses[0]?.current).toEqual({
      state: 'terminated',
      reason: 'Error',
      exitCode: 137,
    });
    const fresh = toDomainPod({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n' },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
    expect(fresh).toMatchObject({
      phase: 'Pending',
      ready: false,
      containerStatuses: [],
      uid: '',
      resourceVersion: '',
      deleting: false,
    });
    expect(fresh.podIP).toBeUndefined();
    expect(toDomainPod({ ...pod, status: { phase: 'Weird' } }).phase).toBe('Unknown');
  });
});
