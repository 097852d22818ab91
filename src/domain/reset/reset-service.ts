import type { ClientNotifier } from '../../ports/client-notifier.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventRecorder } from '../../ports/event-recorder.port.js';
import type { InterceptRequestStore } from '../../ports/intercept-request-store.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { OperatorInstallation } from '../../ports/operator-installation.port.js';
import type { ResetLedger } from '../../ports/reset-ledger.port.js';
import type { TunnelProvider } from '../../ports/tunnel-provider.port.js';
import { operatorEvent } from '../boot/operator-events.js';
import { DomainError, toDomainError } from '../errors.js';
import { requestKey } from '../intercept-request/intercept-request.js';
import type { InterceptService } from '../intercept/intercept-service.js';

export interface ResetServiceDependencies {
  readonly requests: InterceptRequestStore;
  readonly intercepts: InterceptService;
  readonly tunnel: TunnelProvider;
  readonly notifier: ClientNotifier;
  readonly installation: OperatorInstallation;
  readonly ledger: ResetLedger;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly namespace: string;
}

export interface ResetOptions {
  /** Also remove the operator's own installation (its Deployment, RBAC, CRD and namespace). */
  readonly removeOperator: boolean;
  /** Only the cluster-wide objects the operator registered itself: its installer (the Gefyra client) removes the rest. */
  readonly unregister?: boolean;
  /**
   * Record the decision in the ledger first (default), so that a crash in
   * between is finished on restart. The teardown of an operator being
   * removed is not: a later install must boot, not finish an old removal.
   */
  readonly durable?: boolean;
}

/**
 * Puts the cluster back the way it was before Gefyra: every intercept ended
 * with its pod restored, every component removed, and (for the reset the seed
 * describes) the operator itself. The decision is recorded first, so a reset
 * interrupted by a crash is finished on restart; every step is idempotent.
 */
export class ResetService {
  readonly #deps: ResetServiceDependencies;

  constructor(dependencies: ResetServiceDependencies) {
    this.#deps = dependencies;
  }

  async reset(reason: string, options: ResetOptions, signal: AbortSignal): Promise<void> {
    const { requests, intercepts, tunnel, notifier, installation, ledger, events, clock, logger, namespace } =
      this.#deps;
    const recorded = await ledger.find(signal);
    if (!recorded && options.durable !== false) await ledger.record({ reason, requestedAt: clock.now() }, signal);
    logger.warn({ reason: recorded?.reason ?? reason }, 'resetting the cluster');
    await events.record(operatorEvent(namespace, 'Warning', 'Reset', recorded?.reason ?? reason, 'Reset'), signal);

    const failures: string[] = [];
    for (const request of await requests.list(signal)) {
      try {
        await requests.remove(request, signal);
        const result = await intercepts.reconcile(request, signal);
        if (!result.done) failures.push(`${requestKey(request)}: still ending`);
      } catch (thrown) {
        // The running operator may have ended it and released it meanwhile.
        if ((await requests.find(request, signal)) === undefined) continue;
        failures.push(`${requestKey(request)}: ${toDomainError(thrown).message}`);
      }
    }
    // Reads may come from watch caches that have not seen the deletion yet, and
    // a reconcile on such a read ends nothing: an intercept is over once its request is gone.
    if (failures.length === 0) {
      for (const left of await requests.list(signal)) failures.push(`${requestKey(left)}: still ending`);
    }
    if (failures.length > 0) {
      throw new DomainError('Unavailable', `reset incomplete, intercepts not ended yet: ${failures.join('; ')}`, {
        retryable: true,
      });
    }
    await tunnel.uninstall(signal);
    await notifier.withdraw(signal);
    if (options.removeOperator) await installation.uninstall(signal);
    else if (options.unregister) await installation.unregister(signal);
    logger.warn({}, 'reset complete');
  }
}
