import { describe, expect, it } from 'vitest';
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
      clientRequest({ targetNamespace: 'gefyra', targetPod: stowaway!.name, targetContainer: 'stowaway', portMappings: ['51820:8000'] }, { name }) as unknown as Manifest,
      signal,
    );

    await settle(operator, name);

    expect((await readRequest(operator, name))?.['status']).toMatchObject({ phase: 'Failed', reason: 'NamespaceNotAllowed' });
    expect(operator.cluster.peekPod(stowaway!)?.containers[0]?.image).toBe(imageBefore);
    expect(operator.carrier.configurationOf({ namespace: 'gefyra', name: stowaway!.name, container: 'stowaway' })).toBeUndefined();
  });

  it('refuses traffic to an address outside the tunnel, and tells nothing about the target pod', async () => {
    const operator = await bootedOperator();
    addTarget(operator);
    const name = 'web-to-elsewhere';
    await operator.cluster.create(
      clientRequest({ targetNamespace: TARGET.namespace, targetPod: TARGET.name, targetContainer: TARGET.container, destinationIP: '10.0.0.1', portMappings: ['9999:80'] }, { name }) as unknown as Manifest,
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
      clientRequest({ targetNamespace: TARGET.namespace, targetPod: TARGET.name, targetContainer: TARGET.container }, { name }) as unknown as Manifest,
      signal,
    );

    await settle(operator, name);

    expect((await readRequest(operator, name))?.['status']).toMatchObject({ phase: 'Failed', reason: 'NamespaceNotAllowed' });
    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toBe('shop/web:1.0');
  });
});

/**
 * Issue 18: `gefyra bridge` (0.13) sends to its app container's address in
 * the Docker network it passed as GEFYRA_PEER_SUBNET; the default allowed only
 * the tunnel's internal /24, so every real bridge was refused.
 */
describe('InterceptService: where traffic may go', () => {
  const requestTo = async (operator: Awaited<ReturnType<typeof bootedOperator>>, name: string, destinationIP: string) => {
    await operator.cluster.create(
      clientRequest({ targetNamespace: TARGET.namespace, targetPod: TARGET.name, targetContainer: TARGET.container, destinationIP }, { name }) as unknown as Manifest,
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
      message: "destinationIP 172.19.0.3 is outside the subnets the operator allows (192.168.99.0/24, 172.18.0.0/16); traffic may only go to a Gefyra client's containers",
    });
  });

  it('without GEFYRA_PEER_SUBNET allows only the internal subnet (Stowaway routing 0.0.0.0/0 says nothing about where containers live)', async () => {
    const operator = await bootedOperator({ environment: { GEFYRA_PEER_SUBNET: '' } });
    addTarget(operator);
    expect(await requestTo(operator, 'web-to-shop', '172.18.0.3')).toMatchObject({ reason: 'DestinationNotAllowed', message: expect.stringContaining('(192.168.99.0/24)') });
  });

  it('GEFYRA_DESTINATION_SUBNETS replaces the default: it narrows and widens', async () => {
    const environment = { GEFYRA_DESTINATION_SUBNETS: '172.18.5.0/24, 10.20.0.0/16' };
    const narrowed = await bootedOperator({ environment });
    addTarget(narrowed);
    expect(await requestTo(narrowed, 'web-to-shop', '172.18.0.3')).toMatchObject({ reason: 'DestinationNotAllowed', message: expect.stringContaining('(172.18.5.0/24, 10.20.0.0/16)') });
    const widened = await bootedOperator({ environment });
    addTarget(widened);
    expect(await requestTo(widened, 'web-to-shop', '10.20.1.2')).toMatchObject({ phase: 'Established' });
  });
});
