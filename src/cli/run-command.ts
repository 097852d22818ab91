import { HealthServer } from '../adapters/runtime/health-server.js';
import { composeForKubernetes, type KubernetesComposition } from '../composition/kubernetes-composition.js';
import { describeMissingAccess, MISSING_ACCESS_REASON, recordMissingAccess } from '../composition/missing-access.js';
import { createOperatorRuntime, type RunnableOperator } from '../composition/operator-runtime-factory.js';
import {
  recordRequestersNotStamped,
  REQUESTERS_NOT_STAMPED_REASON,
  requestersNotStampedMessage,
  startRequesterWebhook,
} from '../composition/requester-webhook.js';
import type { RunningWebhook } from '../adapters/webhook/webhook-runner.js';
import type { Environment } from '../environment.js';
import type { Clock } from '../ports/clock.port.js';
import { TOKENS } from '../tokens.js';
import type { CliOutput } from './main.js';

/** How often an operator that lacks permissions asks again whether they were granted. */
const ACCESS_RECHECK_MS = 30_000;

/**
 * `gefyra-operator run`: the operator until SIGTERM or SIGINT. Shutdown
 * hands work back and releases the lease; it resets the cluster only when
 * the operator is being removed (its Deployment gone or being deleted).
 * Credentials that lack a permission nothing can stand in for are reported
 * (log, Event, /readyz) and asked about again until granted.
 */
export async function runOperator(options: {
  environment: Environment;
  kubeconfig: string | undefined;
  io: CliOutput;
}): Promise<number> {
  const compose = () => composeForKubernetes({ environment: options.environment, kubeconfig: options.kubeconfig });
  let composition: KubernetesComposition = await compose();
  const { config, logger } = composition;
  let operator: RunnableOperator | undefined;
  let webhook: RunningWebhook | undefined;
  let missing: string | undefined;
  let stopping = false;
  // Only where InterceptRequests are served: under the 2.5 client's role there are none to deputise.
  const notStamped =
    composition.stamps === undefined && composition.served.interceptRequests
      ? requestersNotStampedMessage(config)
      : undefined;
  const health = new HealthServer({
    live: () => !stopping && (operator?.runtime.live() ?? true),
    ready: () => operator?.runtime.ready() ?? false,
    notReadyBecause: () => missing,
    notices: () => (notStamped === undefined ? [] : [notStamped]),
    metrics: () => operator?.metrics.render() ?? '',
  });
  const port = await health.listen(config.healthPort);
  logger.info({ namespace: config.namespace, healthPort: port, identity: config.identity }, 'gefyra-operator starting');
  if (notStamped !== undefined) {
    logger.warn(
      { reason: REQUESTERS_NOT_STAMPED_REASON, problem: notStamped },
      'requesters are not stamped: the confused deputy is open',
    );
    await recordRequestersNotStamped(
      composition.container.get(TOKENS.EventRecorder),
      config,
      AbortSignal.timeout(10_000),
    );
  }

  let wake: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down: handing work back, releasing the lease');
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      stopping = true;
      wake?.();
      void (operator ? operator.runtime.stop() : Promise.resolve())
        .finally(() => webhook?.stop())
        .finally(() => composition.dispose())
        .finally(() => health.close())
        .finally(() => resolve());
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });

  while (composition.access.missing.length > 0 && !stopping) {
    const message = describeMissingAccess(composition.access.missing, composition.user);
    if (message !== missing) {
      missing = message;
      // Worded as the boot words a refusal it meets, so that both read alike in logs and Events.
      logger.error({ reason: MISSING_ACCESS_REASON, problem: message }, 'init phase blocked');
      await recordMissingAccess(composition.container, config.namespace, message, AbortSignal.timeout(10_000));
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
      const clock: Clock = composition.container.get(TOKENS.Clock);
      clock.setTimer(ACCESS_RECHECK_MS, resolve);
    });
    if (stopping) break;
    await composition.dispose();
    composition = await compose();
  }
  if (!stopping) {
    if (missing !== undefined) logger.info({}, 'the missing permissions were granted; starting');
    missing = undefined;
    // What the plugins do before the manager runs (e.g. registering their CRDs).
    for (const plugin of composition.plugins)
      await plugin.atStart?.(composition.container, AbortSignal.timeout(30_000));
    const { served } = composition;
    logger.info(
      {
        ...Object.fromEntries(served.kinds.map((kind) => [kind.charAt(0).toLowerCase() + kind.slice(1), true])),
        interceptRequests: served.interceptRequests,
        ...(served.interceptRequests
          ? {}
          : {
              interceptRequestsOff: composition.access.interceptRequests
                ? 'the tunnel routes none'
                : 'no rights on interceptrequests',
            }),
      },
      `serving ${served.kinds.join(' and ') || 'the installation only'}`,
    );
    const { stamps } = composition;
    // Every replica stamps, leader or not: the API server calls whichever the Service picks.
    if (stamps)
      webhook = await startRequesterWebhook({
        objects: composition.container.get(TOKENS.ClusterApi),
        clock: composition.container.get(TOKENS.Clock),
        logger,
        config,
        stamps,
      });
    operator = createOperatorRuntime(composition.container);
    await operator.runtime.start();
  }
  await stopped;
  return 0;
}
