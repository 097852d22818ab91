import { describe, expect, it } from 'vitest';
import { type WatchEvent } from '../../../src/adapters/in-memory/index.js';
import { SimulatedCluster } from '../../support/simulated-cluster/index.js';
import { DomainError, isDomainError } from '../../../src/domain/errors.js';
import { kindOf } from '../../support/object-fixtures.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';
import { timeoutSignal } from '../../support/waiting.js';

// Made per call, not at import: a signal started when the file loads could run out before a late test on a busy machine.
const signal = (): AbortSignal => timeoutSignal(5000);
const target = { namespace: 'app', name: 'web', container: 'web' };

function newCluster(): SimulatedCluster {
  const cluster = new SimulatedCluster({ namespaces: ['app'] });
  cluster.addPod({
    metadata: { name: 'web', namespace: 'app' },
    spec: { containers: [{ name: 'web', image: 'nginx:1' }] },
  });
  return cluster;
}

const cm = (name: string): Manifest => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'app' },
  data: {},
});

describe('SimulatedCluster exec', () => {
  it('asks handlers in order, the first answer wins, and logs every call', async () => {
    const cluster = newCluster();
    cluster.onExec((call) =>
      call.command[0] === 'echo'
        ? { exitCode: 0, stdout: `${call.command.slice(1).join(' ')}\n`, stderr: '' }
        : undefined,
    );
    cluster.onExec(() => ({ exitCode: 9, stdout: '', stderr: 'second handler' }));
    expect(await cluster.exec(target, ['echo', 'hi'], signal())).toEqual({ exitCode: 0, stdout: 'hi\n', stderr: '' });
    expect(await cluster.exec(target, ['other'], signal())).toEqual({
      exitCode: 9,
      stdout: '',
      stderr: 'second handler',
    });
    expect(cluster.execLog.map((record) => [record.command.join(' '), record.result?.exitCode])).toEqual([
      ['echo hi', 0],
      ['other', 9],
    ]);
  });

  it('gives handlers the pod as it is now', async () => {
    const cluster = newCluster();
    const images: string[] = [];
    cluster.onExec((call) => {
      images.push(call.podObject.containerStatuses[0]?.image ?? '');
      return { exitCode: 0, stdout: '', stderr: '' };
    });
    await cluster.exec(target, ['x'], signal());
    await cluster.patchPod(target, { images: { web: 'carrier:1' } }, signal());
    await cluster.exec(target, ['x'], signal());
    expect(images).toEqual(['nginx:1', 'carrier:1']);
  });

  it('exits 127 for an unknown command and can remove a handler', async () => {
    const cluster = newCluster();
    const remove = cluster.onExec(() => ({ exitCode: 0, stdout: '', stderr: '' }));
    remove();
    expect(await cluster.exec(target, ['wg', 'show'], signal())).toEqual({
      exitCode: 127,
      stdout: '',
      stderr: 'wg: command not found\n',
    });
  });

  it('refuses a missing pod (NotFound), a missing container (Invalid) and a container that does not run (Unavailable)', async () => {
    const cluster = newCluster();
    expect(await kindOf(cluster.exec({ ...target, name: 'gone' }, ['x'], signal()))).toBe('NotFound');
    expect(await kindOf(cluster.exec({ ...target, container: 'nope' }, ['x'], signal()))).toBe('Invalid');
    cluster.failImagePull('broken');
    await cluster.patchPod(target, { images: { web: 'broken:1' } }, signal());
    const error = await cluster.exec(target, ['x'], signal()).catch((thrown: unknown) => thrown);
    expect(isDomainError(error, 'Unavailable') && error.retryable).toBe(true);
    expect(cluster.execLog.map((record) => record.error?.kind)).toEqual(['NotFound', 'Invalid', 'Unavailable']);
  });

  it('passes on a DomainError a handler throws, and logs it', async () => {
    const cluster = newCluster();
    cluster.onExec(() => {
      throw new DomainError('Unavailable', 'connection dropped');
    });
    expect(await kindOf(cluster.exec(target, ['x'], signal()))).toBe('Unavailable');
    expect(cluster.execLog[0]?.error?.message).toBe('connection dropped');
  });
});

describe('SimulatedCluster fault injection', () => {
  it('fails the next matching call once, before it writes anything', async () => {
    const cluster = newCluster();
    cluster.failNext(
      'create',
      new DomainError('Forbidden', 'no'),
      ([manifest]) => (manifest as Manifest).metadata.name === 'b',
    );
    await cluster.create(cm('a'), signal());
    expect(await kindOf(cluster.create(cm('b'), signal()))).toBe('Forbidden');
    expect(
      await cluster.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'b' }, signal()),
    ).toBeUndefined();
    expect(await kindOf(cluster.create(cm('b'), signal()))).toBe('resolved');
    expect(cluster.pendingFaults).toBe(0);
  });

  it('makes the next write conflict, whichever write it is', async () => {
    const cluster = newCluster();
    cluster.conflictOnNextWrite((operation) => operation === 'patchPod');
    expect(await kindOf(cluster.apply(cm('a'), signal()))).toBe('resolved');
    expect(await kindOf(cluster.findPod(target, signal()))).toBe('resolved');
    expect(await kindOf(cluster.patchPod(target, { annotations: { a: '1' } }, signal()))).toBe('Conflict');
    expect(cluster.peekPod(target)?.annotations).toEqual({});
    expect(await kindOf(cluster.patchPod(target, { annotations: { a: '1' } }, signal()))).toBe('resolved');
  });

  it('counts calls per operation, failed ones included', async () => {
    const cluster = newCluster();
    cluster.failNext('findPod', new DomainError('Unavailable', 'down'));
    await cluster.findPod(target, signal()).catch(() => undefined);
    await cluster.findPod(target, signal());
    await cluster.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'x' }, signal());
    expect(cluster.callCount('findPod')).toBe(2);
    expect(cluster.callCount('find')).toBe(1);
    expect(cluster.callCount('patch')).toBe(0);
    cluster.resetCallCounts();
    expect(cluster.callCount('findPod')).toBe(0);
  });
});

describe('SimulatedCluster watch', () => {
  it('emits every change in order as copies, until unsubscribed', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['app'] });
    const events: WatchEvent[] = [];
    const unsubscribe = cluster.subscribe((event) => {
      events.push(event);
      (event.object.metadata as { name: string }).name = 'tampered';
    });
    await cluster.create(cm('a'), signal());
    await cluster.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'a' },
      { data: { k: 'v' } },
      signal(),
    );
    await cluster.remove({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'a' }, signal());
    unsubscribe();
    await cluster.create(cm('b'), signal());
    expect(events.map((event) => event.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    const versions = events.map((event) => Number(event.object.metadata.resourceVersion));
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(
      await cluster.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'b' }, signal()),
    ).toBeDefined();
  });
});
