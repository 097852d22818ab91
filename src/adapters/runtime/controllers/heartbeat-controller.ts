import { toDomainError } from '../../../domain/errors.js';
import type { HeartbeatService } from '../../../domain/heartbeat/heartbeat-service.js';
import type { Logger } from '../../../ports/logger.port.js';
import { KeyInbox, type Controller, type PeriodicKeys } from '../controller.js';
import type { OperatorPhase } from '../operator-phase.js';

/** The client's connection through the tunnel: one key. */
export type HeartbeatKey = 'connection';
const CONNECTION: HeartbeatKey = 'connection';

export interface HeartbeatControllerDependencies {
  readonly intervalMs: number;
  readonly heartbeat: HeartbeatService;
  readonly phase: OperatorPhase;
  readonly logger: Logger;
}

/**
 * Once the installation is ready, looks at the client's connection every
 * heartbeat interval; a connection lost for longer than the timeout asks
 * for the reset. A failed look is tried at the next tick, not sooner.
 */
export class HeartbeatController implements Controller<HeartbeatKey> {
  readonly name = 'heartbeat';
  readonly startsWhen = 'installed';
  readonly queue = new KeyInbox<HeartbeatKey>();
  readonly watches = [];
  readonly resyncs: readonly PeriodicKeys<HeartbeatKey>[];
  readonly #deps: HeartbeatControllerDependencies;

  constructor(dependencies: HeartbeatControllerDependencies) {
    this.#deps = dependencies;
    this.resyncs = [{ everyMs: dependencies.intervalMs, keys: () => [CONNECTION] }];
  }

  identify(key: HeartbeatKey): string {
    return key;
  }

  async reconcile(_key: HeartbeatKey, signal: AbortSignal): Promise<void> {
    try {
      const verdict = await this.#deps.heartbeat.check(AbortSignal.any([signal, AbortSignal.timeout(30_000)]));
      if (verdict.state === 'lost') this.#deps.phase.requestReset();
    } catch (error) {
      this.#deps.logger.debug(
        { error: toDomainError(error).message },
        'heartbeat check failed; trying again at the next tick',
      );
    }
  }
}
