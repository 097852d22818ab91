import type { Clock } from '../../ports/clock.port.js';
import type { EventRecorder } from '../../ports/event-recorder.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { ResetLedger } from '../../ports/reset-ledger.port.js';
import type { TunnelHeartbeat } from '../../ports/tunnel-provider.port.js';
import { operatorEvent } from '../boot/operator-events.js';
import type { HeartbeatSettings } from '../settings.js';
import { type HeartbeatVerdict, judgeHeartbeat } from './heartbeat-decision.js';

export interface HeartbeatServiceDependencies {
  readonly heartbeat: TunnelHeartbeat;
  readonly ledger: ResetLedger;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: HeartbeatSettings & { readonly namespace: string };
}

/**
 * Checks Cargo's connection. When it is lost, the decision to reset is first
 * written to the ResetLedger, so that the reset survives a crash of the
 * operator; the caller then runs the ResetService.
 */
export class HeartbeatService {
  readonly #deps: HeartbeatServiceDependencies;

  constructor(dependencies: HeartbeatServiceDependencies) {
    this.#deps = dependencies;
  }

  async check(signal: AbortSignal): Promise<HeartbeatVerdict> {
    const { heartbeat, ledger, events, clock, logger, settings } = this.#deps;
    if (settings.connectionTimeoutMs <= 0) return { state: 'disabled' };
    const now = clock.now();
    const verdict = judgeHeartbeat(await heartbeat.latestHandshake(signal), now, settings.connectionTimeoutMs);
    if (verdict.state !== 'lost') return verdict;
    const reason =
      `connection to the Gefyra client lost: no WireGuard handshake since ${verdict.lastHandshake.toISOString()} ` +
      `(${Math.round(verdict.ageMs / 1000)}s, more than the ${Math.round(settings.connectionTimeoutMs / 1000)}s allowed)`;
    logger.warn({ lastHandshake: verdict.lastHandshake.toISOString() }, 'connection lost; resetting the cluster');
    await ledger.record({ reason, requestedAt: now }, signal);
    await events.record(operatorEvent(settings.namespace, 'Warning', 'ConnectionLost', reason, 'Heartbeat'), signal);
    return verdict;
  }
}
