import { describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../../../../src/adapters/in-memory/index.js';
import { ManualClock } from '../../../../src/adapters/system/manual-clock.js';
import { ensureStampKey, HmacRequesterStamps } from '../../../../src/adapters/webhook/requester-stamp-key.js';
import { signal } from '../../../support/scenario.js';

const PLACE = { namespace: 'gefyra', secretName: 'gefyra-operator-requester-stamp-key' };
const SECRET = { apiVersion: 'v1', kind: 'Secret', namespace: 'gefyra', name: PLACE.secretName };
const SUBJECT = { kind: 'InterceptRequest', namespace: 'gefyra', name: 'r', user: 'dev', groups: [] };

describe('the requester stamp key', () => {
  it('is made once, kept in its Secret, and the same key after a restart (stamps made before still verify)', async () => {
    const cluster = new InMemoryCluster({ clock: new ManualClock(), namespaces: ['gefyra'] });
    const first = await ensureStampKey(cluster, PLACE, signal);
    const stamp = new HmacRequesterStamps(first).sign(SUBJECT);
    const again = await ensureStampKey(cluster, PLACE, signal);
    expect(again.equals(first)).toBe(true);
    expect(new HmacRequesterStamps(again).verify(SUBJECT, stamp)).toBe(true);
    expect(first.length).toBe(32);
  });

  it('two replicas starting at once end with one key', async () => {
    const cluster = new InMemoryCluster({ clock: new ManualClock(), namespaces: ['gefyra'] });
    const [one, two] = await Promise.all([
      ensureStampKey(cluster, PLACE, signal),
      ensureStampKey(cluster, PLACE, signal),
    ]);
    expect(one.equals(two)).toBe(true);
  });

  it('refuses a Secret whose key is too short rather than stamp with it', async () => {
    const cluster = new InMemoryCluster({ clock: new ManualClock(), namespaces: ['gefyra'] });
    await cluster.create(
      {
        ...SECRET,
        metadata: { name: SECRET.name, namespace: 'gefyra' },
        data: { key: Buffer.alloc(8).toString('base64') },
      },
      signal,
    );
    await expect(ensureStampKey(cluster, PLACE, signal)).rejects.toThrow(/no usable requester stamp key/);
  });
});
