import { toDomainError } from '../../../domain/errors.js';
import type { ResetService } from '../../../domain/reset/reset-service.js';
import type { Logger } from '../../../ports/logger.port.js';
import type { OperatorInstallation } from '../../../ports/operator-installation.port.js';
import type { ResetLedger } from '../../../ports/reset-ledger.port.js';
import { KeyInbox, type Controller } from '../controller.js';
import type { OperatorPhase } from '../operator-phase.js';

/** The cluster is reset as a whole: one key. */
export type ResetKey = 'reset';
const RESET: ResetKey = 'reset';

/** The client deletes the operator's RBAC five seconds after its Deployment: the removal's reset must be done by then. */
const REMOVAL_RESET_TIMEOUT_MS = 4500;

export interface ResetControllerDependencies {
  readonly reset: ResetService;
  readonly ledger: ResetLedger;
  readonly phase: OperatorPhase;
  readonly logger: Logger;
  /** To tell a removal (`gefyra down`) from a restart at shutdown; without it, shutdown never resets. */
  readonly installation?: OperatorInstallation;
}

/**
 * The reset, when asked for (a reset recorded in the ledger, a lost
 * connection): every intercept ended and everything the operator set up
 * removed, the operator with it. Not ready while it runs. At shutdown, a
 * removal (`gefyra down`) is told from a restart: only a removal resets.
 */
export class ResetController implements Controller<ResetKey> {
  readonly name = 'reset';
  readonly startsWhen = 'leading';
  readonly queue = new KeyInbox<ResetKey>();
  readonly watches = [];
  readonly #deps: ResetControllerDependencies;

  constructor(dependencies: ResetControllerDependencies) {
    this.#deps = dependencies;
    dependencies.phase.whenResetRequested(() => this.queue.add(RESET));
  }

  identify(key: ResetKey): string {
    return key;
  }

  ready(): boolean {
    return !this.#deps.phase.resetting;
  }

  async reconcile(_key: ResetKey, signal: AbortSignal): Promise<void> {
    const { phase, ledger, reset, logger } = this.#deps;
    phase.beginReset();
    const recorded = await ledger.find(signal);
    await reset.reset(recorded?.reason ?? 'reset requested', { removeOperator: true }, signal);
    phase.finishReset();
    logger.warn({}, 'cluster reset; the operator is being removed with its namespace');
  }

  /**
   * A restart or a rolling update keeps everything; a removal (the operator's
   * own Deployment gone or being deleted, as `gefyra down` does just before
   * this SIGTERM) ends every intercept and removes what the operator set up,
   * within the few seconds the client waits before it deletes the RBAC.
   */
  async atShutdown(): Promise<void> {
    const { installation, reset, phase, logger } = this.#deps;
    if (!installation) return;
    const signal = AbortSignal.timeout(REMOVAL_RESET_TIMEOUT_MS);
    try {
      if (!(await installation.beingRemoved(signal))) return;
      logger.warn({}, 'the operator is being removed: ending every intercept and removing what it set up');
      await reset.reset(
        'the operator is being removed',
        { removeOperator: false, unregister: true, durable: false },
        signal,
      );
      phase.finishReset();
    } catch (error) {
      logger.warn({ error: toDomainError(error).message }, 'could not finish removing what the operator set up');
    }
  }
}
