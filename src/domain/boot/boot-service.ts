import type { ClientNotifier } from '../../ports/client-notifier.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventRecorder } from '../../ports/event-recorder.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { OperatorInstallation } from '../../ports/operator-installation.port.js';
import type { ResetLedger } from '../../ports/reset-ledger.port.js';
import type { TunnelProvider } from '../../ports/tunnel-provider.port.js';
import { type DomainError, toDomainError } from '../errors.js';
import type { BootSettings } from '../settings.js';
import { judgeTunnelStartup } from './boot-decision.js';
import { operatorEvent } from './operator-events.js';

/** Outcome of one pass of the init phase; `ready` means standby may begin. */
export type BootOutcome =
  | { readonly state: 'ready' }
  | { readonly state: 'waiting'; readonly reason: string; readonly message: string; readonly recheckAfterMs: number }
  /** A start-up problem, reported; booting is retried with backoff since someone may fix it. */
  | { readonly state: 'blocked'; readonly reason: string; readonly message: string }
  /** A reset was decided earlier and is not finished: finish it instead of booting. */
  | { readonly state: 'resetPending'; readonly reason: string };

export interface BootServiceDependencies {
  readonly tunnel: TunnelProvider;
  readonly notifier: ClientNotifier;
  readonly installation: OperatorInstallation;
  readonly ledger: ResetLedger;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: BootSettings;
}

/**
 * The init phase: every step brings something to its desired state and is
 * safe to repeat, so booting is simply reconciled until it reports `ready`.
 * The readiness signal the Gefyra client waits for is posted only once the
 * tunnel is really ready and its connection details are published, and once
 * per operator process (a restarted operator posts a fresh one).
 */
export class BootService {
  readonly #deps: BootServiceDependencies;
  #announced = false;
  #lastProblem: string | undefined;
  /**
   * The tunnel revision the last complete pass saw ready. Only an
   * optimisation: while the tunnel keeps running as it was, a pass (triggered
   * by any change to its pods) does not apply every component again. A new
   * process, or a tunnel that restarted, does the whole pass.
   */
  #readyRevision: string | undefined;

  constructor(dependencies: BootServiceDependencies) {
    this.#deps = dependencies;
  }

  /**
   * Something of the installation was changed or deleted by someone else:
   * the next pass applies every component again instead of trusting that a
   * running tunnel means an intact installation.
   */
  installationChanged(): void {
    this.#readyRevision = undefined;
  }

  get announced(): boolean {
    return this.#announced;
  }

  async reconcile(signal: AbortSignal): Promise<BootOutcome> {
    const { tunnel, notifier, installation, ledger, clock, settings } = this.#deps;
    const reset = await ledger.find(signal);
    if (reset) return { state: 'resetPending', reason: reset.reason };
    if (this.#readyRevision !== undefined) {
      const readiness = await tunnel.observeReadiness(signal);
      if (readiness.state === 'ready' && readiness.revision === this.#readyRevision) return { state: 'ready' };
      this.#readyRevision = undefined;
    }
    let revision: string;
    try {
      if (!this.#announced) await notifier.withdrawReady(signal);
      await installation.ensureRegistered(signal);
      await tunnel.ensureInstalled(signal);
      const verdict = judgeTunnelStartup(
        await tunnel.observeReadiness(signal),
        clock.now(),
        tunnel.startupTimeoutMs,
        tunnel.displayName,
      );
      if (verdict.state === 'waiting') {
        return {
          state: 'waiting',
          reason: 'TunnelStarting',
          message: verdict.message,
          recheckAfterMs: verdict.recheckAfterMs,
        };
      }
      if (verdict.state === 'timedOut') return await this.#blocked('TunnelNotReady', verdict.message, signal);
      const details = await tunnel.readConnectionDetails(signal);
      // A tunnel whose clients each get their own details (a peer per client) has none for the installation.
      if (Object.keys(details).length > 0) await notifier.publishConnectionDetails(details, signal);
      revision = verdict.revision;
    } catch (thrown) {
      const error = toDomainError(thrown);
      if (error.kind === 'Aborted') throw error;
      if (error.kind === 'NotReady') {
        return { state: 'waiting', reason: 'TunnelStarting', message: error.message, recheckAfterMs: 1000 };
      }
      return await this.#blocked(bootProblemReason(error), error.message, signal);
    }
    this.#readyRevision = revision;
    if (!this.#announced) {
      await notifier.announceReady(signal);
      this.#announced = true;
      this.#lastProblem = undefined;
      await this.#deps.events.record(
        operatorEvent(
          settings.namespace,
          'Normal',
          'Ready',
          `${tunnel.displayName} is ready; connection details published`,
        ),
        signal,
      );
      this.#deps.logger.info({ namespace: settings.namespace }, 'init phase complete');
    }
    return { state: 'ready' };
  }

  async #blocked(reason: string, message: string, signal: AbortSignal): Promise<BootOutcome> {
    if (this.#lastProblem !== message) {
      this.#lastProblem = message;
      this.#deps.logger.warn({ reason, problem: message }, 'init phase blocked');
      await this.#deps.events.record(operatorEvent(this.#deps.settings.namespace, 'Warning', reason, message), signal);
    }
    return { state: 'blocked', reason, message };
  }
}

/** Stable reasons for the seed's start-up problems, for Events and tooling. */
export function bootProblemReason(error: DomainError): string {
  const declared = error.details['reason'];
  if (typeof declared === 'string') return declared;
  switch (error.kind) {
    case 'Forbidden':
      return 'InsufficientPrivileges';
    case 'AlreadyExists':
      return 'ObjectInTheWay';
    case 'Unavailable':
    case 'Timeout':
      return 'ApiUnavailable';
    default:
      return 'BootFailed';
  }
}
