import { describe, expect, it } from 'vitest';
import { createOperatorRuntime } from '../../../src/composition/operator-runtime-factory.js';
import { resolve } from '../../../src/plugins/resolve.js';
import { RUNTIME } from '../../../src/tokens.js';
import type { ControllerFactory } from '../../../src/adapters/runtime/controller.js';
import { InterceptTracker } from '../../../src/adapters/runtime/intercept-tracker.js';
import { FULL_RUNTIME_ACCESS } from '../../../src/adapters/runtime/manager.js';
import { MetricsRegistry, operatorMetrics } from '../../../src/adapters/runtime/metrics.js';
import { OperatorPhase } from '../../../src/adapters/runtime/operator-phase.js';
import { silentLogger } from '../../../src/adapters/system/pino-logger.js';
import { SERVICES } from '../../../src/tokens.js';
import { ConfigurationError } from '../../../src/environment.js';
import { TOKENS, type Token } from '../../../src/tokens.js';
import { createSimulatedOperator } from '../../support/simulated-cluster/simulated-operator.js';

describe('the composition root', () => {
  it('resolves every port, service and runtime collaborator, as singletons', async () => {
    const { container } = await createSimulatedOperator();
    // RequesterStamps is bound only where a webhook stamps requesters (GEFYRA_REQUESTER_WEBHOOK=on).
    const ports = Object.values(TOKENS).filter((token) => token !== TOKENS.RequesterStamps);
    const tokens: Token<unknown>[] = [...ports, ...Object.values(SERVICES), RUNTIME.WatchSource];
    for (const token of tokens) {
      const first = resolve(container, token);
      expect(first, String(token.description)).toBeDefined();
      expect(resolve(container, token)).toBe(first);
    }
    expect(createOperatorRuntime(container).runtime.live()).toBe(true);
  });

  it('registers one controller per concern, in the order they start', async () => {
    const { container } = await createSimulatedOperator();
    const metrics = operatorMetrics(
      new MetricsRegistry(),
      () => 0,
      () => 0,
    );
    const scope = {
      phase: new OperatorPhase(),
      metrics,
      tracker: new InterceptTracker(),
      access: FULL_RUNTIME_ACCESS,
      logger: silentLogger,
    };
    const controllers = container.getAll<ControllerFactory>(RUNTIME.Controllers).map((create) => create(scope));
    expect(controllers.map(({ name, startsWhen }) => `${name}:${startsWhen}`)).toEqual([
      'boot:leading',
      'reset:leading',
      'intercept:installed',
      'heartbeat:installed',
    ]);
  });

  it('collects the configuration problems of every plugin before failing', async () => {
    let thrown: unknown;
    try {
      await createSimulatedOperator({
        environment: {
          GEFYRA_STOWAWAY_SERVERPORT: 'x',
          GEFYRA_STOWAWAY_STARTUP_TIMEOUT: 'soon',
          GEFYRA_CARRIER_IMAGE: ' ',
          GEFYRA_CARRIER_STARTUP_TIMEOUT: '0',
        },
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).problems).toEqual([
      'GEFYRA_STOWAWAY_SERVERPORT must be a port number (got "x")',
      'GEFYRA_STOWAWAY_STARTUP_TIMEOUT must be a number of seconds (got "soon")',
      'GEFYRA_CARRIER_IMAGE must not be empty (got " ")',
      'GEFYRA_CARRIER_STARTUP_TIMEOUT must be at least 1 (got "0")',
    ]);
  });

  it('hands each product its start-up timeout through its plugin, not the core configuration', async () => {
    const { container } = await createSimulatedOperator({
      environment: { GEFYRA_STOWAWAY_STARTUP_TIMEOUT: '7', GEFYRA_CARRIER_STARTUP_TIMEOUT: '9' },
    });
    expect(resolve(container, TOKENS.TunnelProvider).startupTimeoutMs).toBe(7000);
    expect(resolve(container, TOKENS.CarrierInstaller).startupTimeoutMs).toBe(9000);
  });

  it('accepts the 0.13 client’s GEFYRA_CARRIER_TAG, preferring GEFYRA_CARRIER_IMAGE_TAG', async () => {
    const image = async (environment: Record<string, string>) =>
      (
        resolve((await createSimulatedOperator({ environment })).container, TOKENS.CarrierInstaller) as unknown as {
          image: string;
        }
      ).image;
    expect(await image({ GEFYRA_CARRIER_TAG: '0.13.2' })).toBe('quay.io/gefyra/carrier:0.13.2');
    expect(await image({ GEFYRA_CARRIER_TAG: '0.13.2', GEFYRA_CARRIER_IMAGE_TAG: '0.13.5' })).toBe(
      'quay.io/gefyra/carrier:0.13.5',
    );
  });
});
