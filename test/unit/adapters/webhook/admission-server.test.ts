import { get } from 'node:https';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionServer } from '../../../../src/adapters/webhook/admission-server.js';
import type { AdmissionHandler } from '../../../../src/adapters/webhook/admission-server.js';
import { issueWebhookTls, type WebhookTls } from '../../../../src/adapters/webhook/webhook-certificate.js';
import { silentLogger } from '../../../../src/adapters/system/pino-logger.js';
import { validateClientParameters } from '../../../../src/plugins/gefyra2/domain/admission/client-parameters.js';
import { admissionHandlers } from '../../../../src/plugins/gefyra2/adapters/admission-handlers.js';
import { InMemoryCluster } from '../../../../src/adapters/in-memory/index.js';
import { signal } from '../../../support/scenario.js';
import { admissionReview, HEALTH_CHECK_BODY, postToWebhook } from '../../../support/admission-review.js';

const HOST = 'gefyra-admission.gefyra.svc';
const LIFETIME_MS = 86_400_000;

describe('the admission server', () => {
  let tls: WebhookTls;
  let server: AdmissionServer | undefined;
  beforeAll(async () => {
    tls = await issueWebhookTls(HOST, new Date(), LIFETIME_MS);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async (
    handlers: Record<string, AdmissionHandler>,
    onHealthCheck: () => Promise<void> = async () => undefined,
  ) => {
    server = new AdmissionServer({ tls, handlers, onHealthCheck, logger: silentLogger });
    const port = await server.listen(0, '127.0.0.1');
    return (path: string, body: unknown) => postToWebhook(port, path, body, { ca: tls.caCert, servername: HOST });
  };
  const clientRule: AdmissionHandler = async (input) =>
    validateClientParameters(input, { otherSubnets: [{ holder: 'GefyraClient b', subnet: '172.30.0.0/16' }] });

  it('admits with the review uid echoed and no status', async () => {
    const post = await start({ '/client-parameters': clientRule });
    const answer = await post(
      '/client-parameters',
      admissionReview('CREATE', { metadata: { name: 'a' }, provider: 'stowaway' }, undefined, 'uid-7'),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.review).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'uid-7', allowed: true },
    });
  });

  it('denies with allowed false and status code 500 carrying the message (what the 2.5 client acts on)', async () => {
    const post = await start({ '/client-parameters': clientRule });
    const answer = await post(
      '/client-parameters',
      admissionReview(
        'UPDATE',
        {
          metadata: { name: 'a' },
          provider: 'stowaway',
          state: 'WAITING',
          providerParameter: { subnet: '172.30.1.0/24' },
        },
        { metadata: { name: 'a' }, provider: 'stowaway', state: 'WAITING' },
      ),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.review?.response).toEqual({
      uid: 'review-1',
      allowed: false,
      status: { code: 500, message: 'Subnet 172.30.1.0/24 overlaps 172.30.0.0/16 of GefyraClient b: choose another' },
    });
  });

  it("denies a bridge into another developer's network with code 500 and a message naming its client's subnet (what the 2.5 client prints)", async () => {
    const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
    await cluster.create(
      {
        apiVersion: 'gefyra.dev/v1',
        kind: 'gefyrabridgemount',
        metadata: { name: 'web', namespace: 'gefyra' },
        state: 'ACTIVE',
      },
      signal,
    );
    await cluster.create(
      {
        apiVersion: 'gefyra.dev/v1',
        kind: 'gefyraclient',
        metadata: { name: 'dev-a', namespace: 'gefyra' },
        provider: 'stowaway',
        state: 'ACTIVE',
        providerParameter: { subnet: '172.18.0.0/16' },
      },
      signal,
    );
    const post = await start(admissionHandlers(cluster));
    const bridge = {
      metadata: {
        name: 'dev-a-web',
        namespace: 'gefyra',
        labels: { 'gefyra.dev/bridge-mount': 'web', 'gefyra.dev/client': 'dev-a' },
      },
      provider: 'carrier2',
      target: 'web',
      client: 'dev-a',
      destinationIP: '172.19.0.3',
    };
    const answer = await post('/bridge-parameters', admissionReview('CREATE', bridge));
    expect(answer.review?.response).toEqual({
      uid: 'review-1',
      allowed: false,
      status: {
        code: 500,
        message:
          "destinationIP 172.19.0.3 is outside 172.18.0.0/16, the subnet of GefyraClient dev-a: a bridge may only send traffic to its own client's containers",
      },
    });
  });

  it('answers the health POST (no uid, object {"check":true}) with 200 without running the rule, and reports it', async () => {
    let checks = 0;
    let rules = 0;
    const post = await start(
      {
        '/client-parameters': async (input) => {
          rules += 1;
          return await clientRule(input, 'gefyra', AbortSignal.timeout(1000));
        },
      },
      async () => {
        checks += 1;
      },
    );
    const answer = await post('/client-parameters', HEALTH_CHECK_BODY);
    expect(answer.statusCode).toBe(200);
    expect(answer.review?.response).toEqual({ uid: '', allowed: true });
    expect({ checks, rules }).toEqual({ checks: 1, rules: 0 });
  });

  it('still answers the health POST 200 when its Event cannot be posted', async () => {
    const post = await start({ '/client-parameters': clientRule }, async () => {
      throw new Error('events are forbidden');
    });
    expect((await post('/client-parameters', HEALTH_CHECK_BODY)).review?.response).toEqual({ uid: '', allowed: true });
  });

  it('denies with 500 and says why when the rule cannot read what it compares against', async () => {
    const post = await start({
      '/client-parameters': async () => {
        throw new Error('connect ECONNREFUSED');
      },
    });
    const answer = await post(
      '/client-parameters',
      admissionReview('CREATE', { metadata: { name: 'a' }, provider: 'stowaway' }),
    );
    expect(answer.review?.response).toMatchObject({
      allowed: false,
      status: { code: 500, message: expect.stringContaining('could not check this request: connect ECONNREFUSED') },
    });
  });

  it('answers 404 on a path without a rule, 400 on a body that is not a review, 200 on GET /healthz', async () => {
    const post = await start({ '/client-parameters': clientRule });
    expect((await post('/bridge-parameters', admissionReview('CREATE', {}))).statusCode).toBe(404);
    expect((await post('/client-parameters', '{not json')).statusCode).toBe(400);
    expect((await post('/client-parameters', { request: { uid: 'x' } })).statusCode).toBe(400);
    const port = (server as AdmissionServer).address();
    const probe = await new Promise<number>((resolve, reject) =>
      get({ host: '127.0.0.1', port, path: '/healthz', ca: tls.caCert, servername: HOST }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject),
    );
    expect(probe).toBe(200);
  });

  it('is not trusted by a client that expects another name or another CA', async () => {
    server = new AdmissionServer({
      tls,
      handlers: { '/client-parameters': clientRule },
      onHealthCheck: async () => undefined,
      logger: silentLogger,
    });
    const port = await server.listen(0, '127.0.0.1');
    await expect(
      postToWebhook(port, '/client-parameters', HEALTH_CHECK_BODY, { ca: tls.caCert, servername: 'other.gefyra.svc' }),
    ).rejects.toThrow(/altnames|Hostname/);
    const foreign = await issueWebhookTls(HOST, new Date(), LIFETIME_MS);
    await expect(
      postToWebhook(port, '/client-parameters', HEALTH_CHECK_BODY, { ca: foreign.caCert, servername: HOST }),
    ).rejects.toThrow(/certificate/);
  });

  it("hands a mutating rule the review's kind and userInfo, and answers its patch as a base64 JSONPatch", async () => {
    let seen: unknown;
    const post = await start({
      '/stamp-requester': async (input) => {
        seen = { kind: input.kind, userInfo: input.userInfo };
        return {
          allowed: true,
          patch: [{ op: 'add', path: '/metadata/annotations', value: { 'gefyra.dev/requester': 'developer' } }],
        };
      },
    });
    const review = admissionReview('CREATE', { metadata: { name: 'a' } });
    const answer = await post('/stamp-requester', {
      ...review,
      request: {
        ...review.request,
        kind: { group: 'gefyra.dev', version: 'v1', kind: 'InterceptRequest' },
        userInfo: { username: 'developer', groups: ['team-a'] },
      },
    });
    expect(seen).toEqual({ kind: 'InterceptRequest', userInfo: { username: 'developer', groups: ['team-a'] } });
    expect(answer.review?.response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });
    expect(JSON.parse(Buffer.from(answer.review?.response?.patch ?? '', 'base64').toString())).toEqual([
      { op: 'add', path: '/metadata/annotations', value: { 'gefyra.dev/requester': 'developer' } },
    ]);
  });
});
