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
