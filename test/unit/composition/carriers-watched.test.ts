import { describe, expect, it } from 'vitest';
import { controllerScope } from '../../support/controller-scope.js';
import type { ControllerFactory } from '../../../src/adapters/runtime/controller.js';
import { CARRIER2_POD_LABELS } from '../../../src/plugins/carrier2/carrier2-record.js';
import { CARRIER_POD_LABELS } from '../../../src/plugins/carrier/carrier-record.js';
import { RUNTIME } from '../../../src/tokens.js';
import { createSimulatedOperator } from '../../support/simulated-cluster/simulated-operator.js';

// A mount's carrier2 pods belong to the mount controller: were the intercept
// controller to watch them, it would queue their mounts as InterceptRequests.
describe('the intercept controller with carrier2 loaded next to Carrier', () => {
  it("watches the pods of carriers that serve InterceptRequests, not carrier2's", async () => {
    const operator = await createSimulatedOperator({ environment: { GEFYRA_PLUGINS: 'stowaway,carrier,carrier2' } });
    try {
      const intercept = operator.container
        .getAll<ControllerFactory>(RUNTIME.Controllers)
        .map((create) => create(controllerScope()))
        .find((controller) => controller.name === 'intercept');
      const podLabels = intercept?.watches
        .filter((watch) => watch.spec.kind === 'Pod')
        .map((watch) => watch.spec.labels);
      expect(podLabels).toContainEqual(CARRIER_POD_LABELS);
      expect(podLabels).not.toContainEqual(CARRIER2_POD_LABELS);
    } finally {
      await operator.stop();
    }
  });
});
