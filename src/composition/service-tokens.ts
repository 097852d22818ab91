import type { BootService } from '../domain/boot/boot-service.js';
import type { HeartbeatService } from '../domain/heartbeat/heartbeat-service.js';
import type { InterceptService } from '../domain/intercept/intercept-service.js';
import type { LeaderElection } from '../domain/leadership/leader-election.js';
import type { ResetService } from '../domain/reset/reset-service.js';
import type { RouteService } from '../domain/routes/route-service.js';
import type { StandbyService } from '../domain/standby/standby-service.js';
import type { OperatorConfig } from '../config.js';
import type { AccessPlan } from './access-plan.js';
import type { Token } from '../ports/tokens.js';

const token = <T>(name: string): Token<T> => Symbol.for(`gefyra-operator/service/${name}`) as Token<T>;

/** Tokens of the domain services and of the configuration, resolved by the runtime and the CLI. */
export const SERVICES = {
  Config: token<OperatorConfig>('Config'),
  AccessPlan: token<AccessPlan>('AccessPlan'),
  RouteService: token<RouteService>('RouteService'),
  InterceptService: token<InterceptService>('InterceptService'),
  BootService: token<BootService>('BootService'),
  HeartbeatService: token<HeartbeatService>('HeartbeatService'),
  ResetService: token<ResetService>('ResetService'),
  StandbyService: token<StandbyService>('StandbyService'),
  LeaderElection: token<LeaderElection>('LeaderElection'),
} as const;
