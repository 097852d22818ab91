import { describe, expect, it } from 'vitest';
import { HmacRequesterStamps } from '../../../../src/adapters/webhook/requester-stamp-key.js';
import {
  REQUESTER_ANNOTATION,
  REQUESTER_GROUPS_ANNOTATION,
  REQUESTER_STAMP_ANNOTATION,
} from '../../../../src/domain/intercept-request/intercept-request.js';
import type { Manifest } from '../../../../src/ports/cluster-api.port.js';
import { clientRequest } from '../../../support/intercept-request-fixtures.js';
import { addTarget, bootedOperator, eventsOf, readRequest, settle, signal, TARGET } from '../../../support/scenario.js';

/**
 * Defects 1 and 2 of issue 13: anyone who may create an InterceptRequest
 * could make the operator swap any pod (its own Stowaway included) to
 * Carrier and send the traffic anywhere, and read the target's details back
 * from the status.
 */
describe('InterceptService: the operator policy', () => {
  it("refuses to intercept its own tunnel: Stowaway's pod keeps its container", async () => {
    const operator = await bootedOperator();
    const [stowaway] = await operator.cluster.listPods('gefyra', { app: 'stowaway' }, signal);
    const imageBefore = stowaway!.containers[0]!.image;
    const name = 'stowaway-to-gefyra';
    await operator.cluster.create(
      clientRequest(
        {
          targetNamespace: 'gefyra',
          targetPod: stowaway!.name,
          targetContainer: 'stowaway',
          portMappings: ['51820:8000'],
        },
        { name },
      ) as unknown as Manifest,
      signal,
    );

    await settle(operator, name);

    expect((await readRequest(operator, name))?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'NamespaceNotAllowed',
    });
    expect(operator.cluster.peekPod(stowaway!)?.containers[0]?.image).toBe(imageBefore);
    expect(
      operator.carrier.configurationOf({ namespace: 'gefyra', name: stowaway!.name, container: 'stowaway' }),
    ).toBeUndefined();
  });

  it('refuses traffic to an address outside the tunnel, and tells nothing about the target pod', async () => {
    const operator = await bootedOperator();
    addTarget(operator);
    const name = 'web-to-elsewhere';
    await operator.cluster.create(
      clientRequest(
        {
          targetNamespace: TARGET.namespace,
          targetPod: TARGET.name,
          targetContainer: TARGET.container,
          destinationIP: '10.0.0.1',
          portMappings: ['9999:80'],
        },
        { name },
      ) as unknown as Manifest,
      signal,
    );

    await settle(operator, name);

    const status = (await readRequest(operator, name))?.['status'] as Record<string, unknown>;
    expect(status).toMatchObject({ phase: 'Failed', reason: 'DestinationNotAllowed' });
    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toBe('shop/web:1.0');
    // Neither the status nor the Events reveal the image or the ports the container declares.
    const told = JSON.stringify(status) + JSON.stringify(eventsOf(operator, name));
    expect(told).not.toContain('shop/web');
    expect(told).not.toContain('does not declare');
    expect(status['originalImage']).toBeUndefined();
  });

  it('honours the namespaces a platform engineer allows', async () => {
    const operator = await bootedOperator({ environment: { GEFYRA_ALLOWED_NAMESPACES: 'dev,staging' } });
    addTarget(operator);
    const name = 'web-to-shop';
    await operator.cluster.create(
      clientRequest(
        { targetNamespace: TARGET.namespace, targetPod: TARGET.name, targetContainer: TARGET.container },
        { name },
      ) as unknown as Manifest,
      signal,
    );

    await settle(operator, name);

    expect((await readRequest(operator, name))?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'NamespaceNotAllowed',
    });
    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toBe('shop/web:1.0');
  });
});

/**
 * Issue 18, item 7: in required mode only a requester the admission webhook
 * stamped counts, it is reviewed before the target is read, and a refusal
 * reads the same whether the target pod exists or not.
 */
describe('InterceptService: requesters stamped by the admission webhook', () => {
  const stamps = new HmacRequesterStamps(Buffer.alloc(32, 3));
  /** Only team-dev may patch pods and exec in shop; what the API server's authorizer would say. */
  const MAY_INTERCEPT = new Set(['team-dev']);

  const requestAs = (name: string, annotations: Record<string, string>, targetPod: string = TARGET.name): Manifest => {
    const object = clientRequest(
      { targetNamespace: TARGET.namespace, targetPod, targetContainer: TARGET.container },
      { name },
    );
    return { ...object, metadata: { ...(object['metadata'] as object), annotations } } as unknown as Manifest;
  };
  const stampedAs = (user: string, name: string): Record<string, string> => ({
    [REQUESTER_ANNOTATION]: user,
    [REQUESTER_GROUPS_ANNOTATION]: 'system:authenticated',
    [REQUESTER_STAMP_ANNOTATION]: stamps.sign({
      kind: 'InterceptRequest',
      namespace: 'gefyra',
      name,
      user,
      groups: ['system:authenticated'],
    }),
  });

  /** An operator in required mode whose cluster answers SubjectAccessReviews, recording reviews and reads of pods in shop in order. */
  async function reviewingOperator() {
    const calls: string[] = [];
    const operator = await bootedOperator({
      environment: { GEFYRA_REQUESTER_REVIEW: 'required' },
      requesterStamps: stamps,
      wrapClusterApi: (cluster) =>
        new Proxy(cluster, {
          get(target, property, receiver) {
            const value = Reflect.get(target, property, receiver) as unknown;
            if (property === 'create') {
              return async (manifest: Manifest, callSignal: AbortSignal) => {
                if (manifest.kind !== 'SubjectAccessReview') return await target.create(manifest, callSignal);
                const user = (manifest['spec'] as { user: string }).user;
                calls.push(`review ${user}`);
                return { ...manifest, status: { allowed: MAY_INTERCEPT.has(user) } };
              };
            }
            if (property === 'findPod') {
              return async (ref: { namespace: string; name: string }, callSignal: AbortSignal) => {
                if (ref.namespace === TARGET.namespace) calls.push(`read pod ${ref.name}`);
                return await target.findPod(ref, callSignal);
              };
            }
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
          },
        }),
    });
    addTarget(operator);
    return { operator, calls };
  }

  it('refuses a requester the webhook did not stamp, though the named one may intercept: the pod keeps its container, nobody is reviewed', async () => {
    const { operator, calls } = await reviewingOperator();
    const name = 'unstamped';
    await operator.cluster.create(
      requestAs(name, { [REQUESTER_ANNOTATION]: 'team-dev', [REQUESTER_GROUPS_ANNOTATION]: 'system:masters' }),
      signal,
    );

    await settle(operator, name);

    expect((await readRequest(operator, name))?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'RequesterNotStamped',
    });
    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toBe('shop/web:1.0');
    expect(calls.filter((call) => call.startsWith('review'))).toEqual([]);
  });

  it('reviews the stamped requester before it reads the target, and refuses alike whether the pod exists or not', async () => {
    const { operator, calls } = await reviewingOperator();
    await operator.cluster.create(requestAs('existing', stampedAs('hostile', 'existing')), signal);
    await operator.cluster.create(requestAs('missing', stampedAs('hostile', 'missing'), 'no-such-pod'), signal);

    await settle(operator, 'existing');
    await settle(operator, 'missing');

    const told = async (name: string) => {
      const status = (await readRequest(operator, name))?.['status'] as {
        phase: string;
        reason: string;
        message: string;
      };
      return {
        status: { phase: status.phase, reason: status.reason, message: status.message },
        events: eventsOf(operator, name).map(({ reason, note }) => ({ reason, note })),
      };
    };
    expect(await told('existing')).toEqual(await told('missing'));
    expect((await told('missing')).status).toEqual({
      phase: 'Failed',
      reason: 'RequesterNotAuthorized',
      message: 'hostile may not patch pods in namespace shop; an intercept needs both',
    });
    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toBe('shop/web:1.0');
    expect(calls[0]).toBe('review hostile');
  });

  it('establishes the intercept of a stamped requester who may patch and exec there', async () => {
    const { operator } = await reviewingOperator();
    await operator.cluster.create(requestAs('allowed', stampedAs('team-dev', 'allowed')), signal);

    await settle(operator, 'allowed');

    expect(await readRequest(operator, 'allowed')).toMatchObject({ established: true });
  });
});

/**
 * Issue 18: `gefyra bridge` (0.13) sends to its app container's address in
 * the Docker network it passed as GEFYRA_PEER_SUBNET; the default allowed only
 * the tunnel's internal /24, so every real bridge was refused.
 */
describe('InterceptService: where traffic may go', () => {
  const requestTo = async (
    operator: Awaited<ReturnType<typeof bootedOperator>>,
    name: string,
    destinationIP: string,
  ) => {
    await operator.cluster.create(
      clientRequest(
        { targetNamespace: TARGET.namespace, targetPod: TARGET.name, targetContainer: TARGET.container, destinationIP },
        { name },
      ) as unknown as Manifest,
      signal,
    );
    await settle(operator, name);
    return (await readRequest(operator, name))?.['status'] as Record<string, unknown> | undefined;
  };

  it("establishes a bridge to the app container in the client's Docker network under the default settings", async () => {
    // The test environment sets GEFYRA_PEER_SUBNET=172.18.0.0/16, as `gefyra up` does.
    const operator = await bootedOperator();
    addTarget(operator);
    expect(await requestTo(operator, 'web-to-shop', '172.18.0.3')).toMatchObject({ phase: 'Established' });
  });

  it('refuses a destination outside every allowed subnet, naming them', async () => {
    const operator = await bootedOperator();
    addTarget(operator);
    expect(await requestTo(operator, 'web-to-shop', '172.19.0.3')).toMatchObject({
      phase: 'Failed',
      reason: 'DestinationNotAllowed',
      message:
        'destinationIP 172.19.0.3 is outside the subnets the operator allows (192.168.99.0/24, 172.18.0.0/16); ' +
        "traffic may only go to a Gefyra client's containers",
    });
  });

  it('without GEFYRA_PEER_SUBNET allows only the internal subnet (Stowaway routing 0.0.0.0/0 says nothing about where containers live)', async () => {
    const operator = await bootedOperator({ environment: { GEFYRA_PEER_SUBNET: '' } });
    addTarget(operator);
    expect(await requestTo(operator, 'web-to-shop', '172.18.0.3')).toMatchObject({
      reason: 'DestinationNotAllowed',
      message: expect.stringContaining('(192.168.99.0/24)'),
    });
  });

  it('GEFYRA_DESTINATION_SUBNETS replaces the default: it narrows and widens', async () => {
    const environment = { GEFYRA_DESTINATION_SUBNETS: '172.18.5.0/24, 10.20.0.0/16' };
    const narrowed = await bootedOperator({ environment });
    addTarget(narrowed);
    expect(await requestTo(narrowed, 'web-to-shop', '172.18.0.3')).toMatchObject({
      reason: 'DestinationNotAllowed',
      message: expect.stringContaining('(172.18.5.0/24, 10.20.0.0/16)'),
    });
    const widened = await bootedOperator({ environment });
    addTarget(widened);
    expect(await requestTo(widened, 'web-to-shop', '10.20.1.2')).toMatchObject({ phase: 'Established' });
  });
});
