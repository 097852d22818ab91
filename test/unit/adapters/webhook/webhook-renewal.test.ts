import { X509Certificate } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryCluster } from '../../../../src/adapters/in-memory/index.js';
import { ManualClock } from '../../../../src/adapters/system/manual-clock.js';
import { silentLogger } from '../../../../src/adapters/system/pino-logger.js';
import { startGefyra2Webhook } from '../../../../src/plugins/gefyra2/adapters/gefyra2-webhook.js';
import type { RunningWebhook } from '../../../../src/adapters/webhook/webhook-runner.js';
import { loadWebhookSettings } from '../../../../src/plugins/gefyra2/webhook-settings.js';
import type { Manifest } from '../../../../src/ports/cluster-api.port.js';
import { handshake } from '../../../support/tls-handshake.js';
import { signal } from '../../../support/scenario.js';

const HOST = 'gefyra-admission.gefyra.svc';
const VWC = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  name: 'gefyra.dev',
};
/** Ten minutes: the rotation ticks every 25 s of the manual clock. */
const LIFETIME_SECONDS = 600;
const STEP_MS = 10_000;

const configuration = (): Manifest => ({
  ...VWC,
  metadata: { name: VWC.name },
  webhooks: [
    {
      name: 'client-parameters.gefyra.dev',
      clientConfig: {
        caBundle: Buffer.from('-----BEGIN CERTIFICATE-----\nR0VGWVJB\n-----END CERTIFICATE-----\n').toString('base64'),
        service: { name: 'gefyra-admission', namespace: 'gefyra', path: '/client-parameters' },
      },
      rules: [
        {
          apiGroups: ['gefyra.dev'],
          apiVersions: ['v1'],
          operations: ['CREATE', 'UPDATE'],
          resources: ['gefyraclients'],
        },
      ],
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
    },
  ],
});

const certificatesIn = (pem: string) =>
  (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (text) => new X509Certificate(text),
  );

/**
 * What the API server checks on a new connection, by the manual clock (Node's
 * own TLS check uses the wall clock, which this test does not move; the e2e
 * test runs it for real): the served certificate is for the Service name,
 * valid now, and issued by a CA of the caBundle that is valid now.
 */
function whyUntrusted(served: X509Certificate, bundle: string, now: Date): string | undefined {
  const validAt = (certificate: X509Certificate) =>
    new Date(certificate.validFrom) <= now && now < new Date(certificate.validTo);
  if (served.checkHost(HOST, { subject: 'never' }) !== HOST) return 'not for the Service name';
  if (!validAt(served))
    return `served certificate not valid at ${now.toISOString()} (valid ${served.validFrom} to ${served.validTo})`;
  const issuer = certificatesIn(bundle).find((ca) => served.checkIssued(ca) && served.verify(ca.publicKey));
  if (issuer === undefined) return 'issued by no CA of the caBundle';
  if (!validAt(issuer)) return 'its CA is not valid now';
  return undefined;
}

describe('the webhook renews its certificate while running', () => {
  let webhook: RunningWebhook | undefined;
  afterEach(async () => {
    await webhook?.stop();
    webhook = undefined;
  });

  const start = async (cluster: InMemoryCluster, clock: ManualClock) =>
    await startGefyra2Webhook({
      objects: cluster,
      clock,
      logger: silentLogger,
      namespace: 'gefyra',
      webhook: {
        ...loadWebhookSettings({ GEFYRA_WEBHOOK_CERTIFICATE_LIFETIME: String(LIFETIME_SECONDS) }),
        port: 0,
      },
      listenHost: '127.0.0.1',
    });
  const bundleInConfiguration = async (cluster: InMemoryCluster) => {
    const [entry] = (await cluster.find(VWC, signal))?.['webhooks'] as { clientConfig: { caBundle: string } }[];
    return Buffer.from(entry?.clientConfig.caBundle ?? '', 'base64').toString();
  };
  /** The rotation's tick runs real crypto and I/O: moved on only once it has set its next timer. */
  const advance = async (clock: ManualClock, milliseconds: number) => {
    await clock.advanceAsync(milliseconds);
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1), { timeout: 10_000, interval: 5 });
  };

  it('a client trusting the caBundle as patched connects at every moment of three lifetimes, over two renewals and their CA overlaps', async () => {
    const clock = new ManualClock(new Date());
    const cluster = new InMemoryCluster({ clock, namespaces: ['gefyra'] });
    await cluster.create(configuration(), signal);
    webhook = await start(cluster, clock);
    expect(clock.pendingTimers).toBe(1);

    const failures: string[] = [];
    const served: string[] = [];
    const bundleSizes: number[] = [];
    let before: { certificate: X509Certificate; bundle: string } | undefined;
    for (let elapsed = 0; elapsed <= 3 * LIFETIME_SECONDS * 1000; elapsed += STEP_MS) {
      const bundle = await bundleInConfiguration(cluster);
      const { served: certificate, fingerprint } = await handshake(webhook.port, {
        ca: bundle,
        servername: HOST,
        verify: 'by-caller',
      });
      // The API server may still hold the bundle of a moment ago, and a replica may still serve the
      // certificate of a moment ago: across the switch, each trusts the other.
      const checks = [
        ['now', whyUntrusted(certificate, bundle, clock.now())],
        ['under the bundle of a moment ago', before && whyUntrusted(certificate, before.bundle, clock.now())],
        [
          'the certificate of a moment ago under this bundle',
          before && whyUntrusted(before.certificate, bundle, clock.now()),
        ],
      ] as const;
      for (const [when, problem] of checks)
        if (problem !== undefined) failures.push(`at +${elapsed / 1000} s, ${when}: ${problem}`);
      if (served.at(-1) !== fingerprint) served.push(fingerprint);
      bundleSizes.push(certificatesIn(bundle).length);
      before = { certificate, bundle };
      await advance(clock, STEP_MS);
    }
    expect(failures).toEqual([]);
    // Each pair is served from an eighth after the previous one's half-life to an eighth after its own (about 300 s of its 600): five or more over 1800 s.
    expect(served.length).toBeGreaterThanOrEqual(5);
    // While a renewal overlaps, the bundle holds the old and the new CA; in between, one.
    expect(Math.max(...bundleSizes)).toBe(2);
    expect(bundleSizes.filter((size) => size === 1).length).toBeGreaterThan(0);
    expect(bundleSizes.every((size) => size === 1 || size === 2)).toBe(true);
  }, 120_000);

  it('lets a connection opened before the switch finish with the old certificate while new ones get the new one', async () => {
    const clock = new ManualClock(new Date());
    const cluster = new InMemoryCluster({ clock, namespaces: ['gefyra'] });
    await cluster.create(configuration(), signal);
    webhook = await start(cluster, clock);
    const first = await handshake(webhook.port, {
      ca: await bundleInConfiguration(cluster),
      servername: HOST,
      verify: 'by-caller',
    });
    const open = await openConnection(webhook.port);
    let now = first;
    for (
      let elapsed = 0;
      now.fingerprint === first.fingerprint && elapsed < LIFETIME_SECONDS * 1000;
      elapsed += STEP_MS
    ) {
      await advance(clock, STEP_MS);
      now = await handshake(webhook.port, {
        ca: await bundleInConfiguration(cluster),
        servername: HOST,
        verify: 'by-caller',
      });
    }
    expect(now.fingerprint).not.toBe(first.fingerprint);
    expect(open.getPeerX509Certificate()?.fingerprint256).toBe(first.fingerprint);
    expect(await healthOver(open)).toMatch(/^HTTP\/1\.1 200/);
    open.end();
  }, 60_000);

  it('a second replica and a restart serve what the Secret says, mid-renewal included', async () => {
    const clock = new ManualClock(new Date());
    const cluster = new InMemoryCluster({ clock, namespaces: ['gefyra'] });
    await cluster.create(configuration(), signal);
    webhook = await start(cluster, clock);
    // Into the overlap: the next pair staged, its CA in the bundle, not served yet.
    for (
      let elapsed = 0;
      certificatesIn(await bundleInConfiguration(cluster)).length < 2 && elapsed < LIFETIME_SECONDS * 1000;
      elapsed += STEP_MS
    )
      await advance(clock, STEP_MS);
    expect(certificatesIn(await bundleInConfiguration(cluster))).toHaveLength(2);
    const second = await start(cluster, clock);
    try {
      const bundle = await bundleInConfiguration(cluster);
      const [one, other] = await Promise.all(
        [webhook.port, second.port].map(
          async (port) => await handshake(port, { ca: bundle, servername: HOST, verify: 'by-caller' }),
        ),
      );
      expect(other?.fingerprint).toBe(one?.fingerprint);
      expect(second.caBundle).toBe(webhook.caBundle);
    } finally {
      await second.stop();
    }
    await webhook.stop();
    webhook = await start(cluster, clock);
    expect(certificatesIn(webhook.caBundle)).toHaveLength(2);
    expect(
      whyUntrusted(
        (
          await handshake(webhook.port, {
            ca: await bundleInConfiguration(cluster),
            servername: HOST,
            verify: 'by-caller',
          })
        ).served,
        await bundleInConfiguration(cluster),
        clock.now(),
      ),
    ).toBeUndefined();
  }, 60_000);
});

async function openConnection(port: number): Promise<TLSSocket> {
  return await new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: HOST, rejectUnauthorized: false }, () =>
      resolve(socket),
    );
    socket.on('error', reject);
  });
}

async function healthOver(socket: TLSSocket): Promise<string> {
  return await new Promise((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8')));
    socket.once('error', reject);
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
  });
}
