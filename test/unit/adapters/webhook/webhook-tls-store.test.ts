import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../../support/simulated-cluster/index.js';
import { ManualClock } from '../../../../src/adapters/system/manual-clock.js';
import { silentLogger } from '../../../../src/adapters/system/pino-logger.js';
import { issueWebhookTls, unusableBecause } from '../../../../src/adapters/webhook/webhook-certificate.js';
import { ensureWebhookTls, patchCaBundle } from '../../../../src/adapters/webhook/webhook-tls-store.js';
import { caBundleOf } from '../../../../src/adapters/webhook/webhook-tls-rotation.js';
import { DomainError } from '../../../../src/domain/errors.js';
import { signal } from '../../../support/scenario.js';

const HOST = 'gefyra-admission.gefyra.svc';
const DAY_MS = 86_400_000;
const LIFETIME_MS = 825 * DAY_MS;
const PLACE = { namespace: 'gefyra', secretName: 'gefyra-admission-tls', host: HOST, lifetimeMs: LIFETIME_MS };
const SECRET = { apiVersion: 'v1', kind: 'Secret', namespace: 'gefyra', name: 'gefyra-admission-tls' };

describe('the webhook certificate', () => {
  it('is issued by its own CA to exactly the Service name, CN = SAN', async () => {
    const tls = await issueWebhookTls(HOST, new Date(), LIFETIME_MS);
    const serving = new X509Certificate(tls.cert);
    expect(serving.subject).toBe(`CN=${HOST}`);
    expect(serving.subjectAltName).toBe(`DNS:${HOST}`);
    expect(serving.verify(new X509Certificate(tls.caCert).publicKey)).toBe(true);
    expect(new X509Certificate(tls.caCert).ca).toBe(true);
    expect(unusableBecause(tls, HOST, new Date())).toBeUndefined();
  });

  it('is found unusable when incomplete, for another host, with a foreign key or CA, or past its end', async () => {
    const now = new Date();
    const tls = await issueWebhookTls(HOST, now, LIFETIME_MS);
    const other = await issueWebhookTls(HOST, now, LIFETIME_MS);
    expect(unusableBecause({ ...tls, key: undefined }, HOST, now)).toBe('incomplete');
    expect(unusableBecause({ ...tls, cert: 'garbage' }, HOST, now)).toBe('not a certificate');
    expect(unusableBecause(tls, 'other.gefyra.svc', now)).toBe('not made out to other.gefyra.svc');
    expect(unusableBecause({ ...tls, key: other.key }, HOST, now)).toBe('the key does not match');
    expect(unusableBecause({ ...tls, caCert: other.caCert }, HOST, now)).toBe('not issued by the stored CA');
    expect(unusableBecause(tls, HOST, new Date(now.getTime() + 800 * DAY_MS))).toBeUndefined();
    expect(unusableBecause(tls, HOST, new Date(now.getTime() + LIFETIME_MS))).toBe('expired');
  });
});

describe('the webhook TLS Secret', () => {
  const setup = () => {
    const clock = new ManualClock(new Date());
    const cluster = new SimulatedCluster({ clock, namespaces: ['gefyra'] });
    return { clock, cluster, ensure: () => ensureWebhookTls(cluster, clock, silentLogger, PLACE, signal) };
  };

  it('is made once and reused by the next start (the caBundle stays valid across restarts)', async () => {
    const { cluster, ensure } = setup();
    const first = await ensure();
    const second = await ensure();
    expect(second).toEqual(first);
    expect(cluster.callCount('create')).toBe(1);
    const stored = await cluster.find(SECRET, signal);
    expect(stored).toMatchObject({ type: 'kubernetes.io/tls' });
    expect(Buffer.from((stored?.['data'] as Record<string, string>)['ca.crt'] ?? '', 'base64').toString()).toBe(
      first.active.caCert,
    );
  });

  it('is replaced when it holds a certificate for another name', async () => {
    const { cluster, clock, ensure } = setup();
    const foreign = await issueWebhookTls('someone-else.gefyra.svc', clock.now(), LIFETIME_MS);
    await cluster.create(
      {
        ...SECRET,
        metadata: { name: SECRET.name, namespace: SECRET.namespace },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': b64(foreign.cert), 'tls.key': b64(foreign.key), 'ca.crt': b64(foreign.caCert) },
      },
      signal,
    );
    const tls = await ensure();
    expect(tls.active.caCert).not.toBe(foreign.caCert);
    expect(tls.next).toBeUndefined();
    expect(unusableBecause(tls.active, HOST, clock.now())).toBeUndefined();
    expect(await ensure()).toEqual(tls);
  });

  it('stages the next pair at half its life, switches to it an eighth later, drops the old CA an eighth after that, all before the old one ends', async () => {
    const { clock, ensure } = setup();
    const first = await ensure();
    clock.advance(LIFETIME_MS / 2 - DAY_MS);
    expect(await ensure()).toEqual(first);
    clock.advance(2 * DAY_MS);
    const staged = await ensure();
    expect(staged.active).toEqual(first.active);
    expect(staged.next?.tls.caCert).not.toBe(first.active.caCert);
    expect(certificatesIn(caBundleOf(staged))).toEqual(certificatesIn(first.active.caCert + staged.next?.tls.caCert));
    clock.advance(LIFETIME_MS / 8 - DAY_MS);
    expect(await ensure()).toEqual(staged);
    clock.advance(2 * DAY_MS);
    const switched = await ensure();
    expect(switched).toMatchObject({ active: staged.next?.tls, retired: { caCert: first.active.caCert } });
    expect(switched.next).toBeUndefined();
    expect(unusableBecause(first.active, HOST, clock.now())).toBeUndefined();
    clock.advance(LIFETIME_MS / 8 - DAY_MS);
    expect(await ensure()).toEqual(switched);
    clock.advance(2 * DAY_MS);
    const dropped = await ensure();
    expect(dropped).toEqual({ active: staged.next?.tls });
    expect(certificatesIn(caBundleOf(dropped))).toEqual(certificatesIn(staged.next?.tls.caCert ?? ''));
    // The old certificate was still valid when its CA left the bundle: nothing served lost its trust early.
    expect(unusableBecause(first.active, HOST, clock.now())).toBeUndefined();
  });

  it('starts anew from a stored pair that has run out, and a write that lost a race is done again on the fresh Secret', async () => {
    const { cluster, clock, ensure } = setup();
    const first = await ensure();
    clock.advance(LIFETIME_MS + DAY_MS);
    cluster.conflictOnNextWrite((operation) => operation === 'patch');
    const renewed = await ensure();
    expect(renewed.active.caCert).not.toBe(first.active.caCert);
    expect(renewed.retired).toBeUndefined();
    expect(cluster.callCount('patch')).toBe(2);
    expect(await ensure()).toEqual(renewed);
  });
});

describe('the caBundle of the webhook configuration', () => {
  const PLACE_VWC = { configuration: 'gefyra.dev', namespace: 'gefyra', service: 'gefyra-admission' };
  const VWC = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    name: 'gefyra.dev',
  };
  const webhook = (name: string, service: string) => ({
    name,
    clientConfig: {
      caBundle: 'R0VGWVJBLVBVQkxJU0hFRA==',
      service: { name: service, namespace: 'gefyra', path: `/${name}` },
    },
    rules: [{ apiGroups: ['gefyra.dev'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['gefyraclients'] }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
  });
  const bundles = async (cluster: SimulatedCluster) =>
    ((await cluster.find(VWC, signal))?.['webhooks'] as ReturnType<typeof webhook>[]).map(
      (entry) => entry.clientConfig.caBundle,
    );

  it('names our CA in every webhook that calls our Service, leaves the others, and is a no-op the second time', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    await cluster.create(
      {
        ...VWC,
        metadata: { name: VWC.name },
        webhooks: [webhook('client-parameters', 'gefyra-admission'), webhook('other', 'someone-else')],
      },
      signal,
    );
    expect(await patchCaBundle(cluster, PLACE_VWC, 'CA PEM', signal)).toBe('patched');
    expect(await bundles(cluster)).toEqual([b64('CA PEM'), 'R0VGWVJBLVBVQkxJU0hFRA==']);
    expect(await patchCaBundle(cluster, PLACE_VWC, 'CA PEM', signal)).toBe('unchanged');
  });

  it('writes again on a fresh read when the configuration changed in between', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    await cluster.create(
      { ...VWC, metadata: { name: VWC.name }, webhooks: [webhook('client-parameters', 'gefyra-admission')] },
      signal,
    );
    let patches = 0;
    cluster.conflictOnNextWrite((operation) => operation === 'patch' && ++patches === 2);
    expect(await patchCaBundle(cluster, PLACE_VWC, 'CA PEM', signal)).toBe('patched');
    expect(cluster.callCount('patch')).toBe(4);
    expect(await bundles(cluster)).toEqual([b64('CA PEM')]);
  });

  it('reports a configuration that is not there yet, and fails on any other error', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    expect(await patchCaBundle(cluster, PLACE_VWC, 'CA PEM', signal)).toBe('absent');
    cluster.failNext('patch', new DomainError('Forbidden', 'no'));
    await expect(patchCaBundle(cluster, PLACE_VWC, 'CA PEM', signal)).rejects.toThrow('no');
  });
});

const certificatesIn = (pem: string) =>
  pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
const b64 = (text: string) => Buffer.from(text).toString('base64');
