import { describe, expect, it } from 'vitest';
import { INTERCEPT_REQUEST_CRD_NAME } from '../../../../src/crd/intercept-request-crd.js';
import { MANAGED_BY_LABELS } from '../../../../src/gefyra-release.js';
import {
  createSimulatedOperator,
  type SimulatedOperator,
} from '../../../support/simulated-cluster/simulated-operator.js';
import { until, useRunningOperators } from '../../../support/running-operators.js';
import { addTarget, createRequest, readRequest, signal, TARGET } from '../../../support/scenario.js';

const { start } = useRunningOperators();

const OPERATOR_DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'gefyra',
  name: 'gefyra-operator',
} as const;
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  name: INTERCEPT_REQUEST_CRD_NAME,
} as const;
const STOWAWAY = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'gefyra', name: 'gefyra-stowaway' } as const;

/** An operator run by its own Deployment (as `gefyra up` and deploy/ run it), serving one intercept. */
async function deployedOperatorWithIntercept(
  deployed = true,
): Promise<{ operator: SimulatedOperator; stop: () => Promise<void> }> {
  const operator = await createSimulatedOperator();
  const labels = { app: 'gefyra-operator' };
  // Labelled as deploy/ labels it, like what the operator installs itself: its removal is still no drift.
  const deploymentLabels = { ...labels, ...MANAGED_BY_LABELS };
  if (deployed)
    await operator.cluster.create(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: OPERATOR_DEPLOYMENT.name,
          namespace: OPERATOR_DEPLOYMENT.namespace,
          labels: deploymentLabels,
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'gefyra-operator', image: 'operator' }] } },
        },
      },
      signal,
    );
  addTarget(operator);
  const runnable = await start(operator);
  await until(runnable, () => runnable.runtime.ready());
  await createRequest(operator);
  await until(runnable, async () => (await readRequest(operator))?.['established'] === true);
  return { operator, stop: () => runnable.runtime.stop() };
}

const carrierIn = async (operator: SimulatedOperator) =>
  (await operator.cluster.findPod({ namespace: TARGET.namespace, name: TARGET.name }, signal))?.containers.find(
    (container) => container.name === TARGET.container,
  )?.image;

describe('shutdown of an operator run by its Deployment', () => {
  it('a restart (SIGTERM with the Deployment still there) removes nothing', async () => {
    const { operator, stop } = await deployedOperatorWithIntercept();
    const image = await carrierIn(operator);
    await stop();
    expect(await operator.cluster.find(CRD, signal)).toBeDefined();
    expect(await operator.cluster.find(STOWAWAY, signal)).toBeDefined();
    expect((await readRequest(operator))?.['established']).toBe(true);
    expect(await carrierIn(operator)).toBe(image);
  });

  it('an operator run without a Deployment (from a workstation) never takes its absence for a removal', async () => {
    const { operator, stop } = await deployedOperatorWithIntercept(false);
    await stop();
    expect(await operator.cluster.find(STOWAWAY, signal)).toBeDefined();
    expect((await readRequest(operator))?.['established']).toBe(true);
  });

  it('a removal (its Deployment deleted, then SIGTERM, as `gefyra down` does) ends the intercept and removes Stowaway and the CRD it registered', async () => {
    const { operator, stop } = await deployedOperatorWithIntercept();
    const carrier = await carrierIn(operator);
    await operator.cluster.remove(OPERATOR_DEPLOYMENT, signal);
    await stop();
    expect(await operator.cluster.find(STOWAWAY, signal)).toBeUndefined();
    expect(await operator.cluster.find(CRD, signal)).toBeUndefined();
    expect(await carrierIn(operator)).not.toBe(carrier);
    // Not recorded in the ledger: a later install boots instead of finishing an old removal.
    expect(operator.cluster.readConfigMap('gefyra', 'gefyra-operator-reset')).toBeUndefined();
  });
});
