import { enteredAt, GEFYRA_FINALIZER, RESTORE_DELAY_MS, recoveryFromError } from '../lifecycle.js';
import { isMountState, MOUNT_STATES, type MountState } from './mount-states.js';
import { parseMountTarget, type MountTarget } from './mount-target.js';
import { tlsRefusal } from './mount-tls.js';

export const CARRIER2_MOUNT_PROVIDER = 'carrier2mount';

/** A GefyraBridgeMount as stored, read leniently: every field is checked by the decision. */
export interface GefyraBridgeMount {
  readonly name: string;
  readonly deleting: boolean;
  readonly finalizers: readonly string[];
  readonly state: string;
  readonly stateTransitions: Readonly<Record<string, string>>;
  readonly provider: unknown;
  readonly target: unknown;
  readonly targetNamespace: unknown;
  readonly targetContainer: unknown;
  /** TLS termination (§4), which is refused: see tlsRefusal. */
  readonly providerParameter: unknown;
  /** How long a MISSING workload may stay away before the mount is removed. */
  readonly missingGracePeriodMs: number;
  readonly sunset: Date | 'invalid' | undefined;
  /** Why it is in ERROR (`status.failure`); the message tells a refusal seen again from a new one. */
  readonly failure: { readonly reason: string; readonly message?: string } | undefined;
}

/** An original pod of the workload, as far as the mount is concerned. */
export interface ObservedOriginal {
  readonly name: string;
  /** Its target container runs carrier2 (and restarted into it). */
  readonly onCarrier2: boolean;
  /** carrier2 in it runs the mount's current configuration (the cluster upstream and the bridges). */
  readonly configCurrent: boolean;
  readonly ready: boolean;
  /** Why carrier2 cannot be installed into it (carrier2InstallRefusal); undefined when it can. */
  readonly installRefusal: string | undefined;
}

export interface MountObservation {
  readonly mount: GefyraBridgeMount;
  /** Whether the target workload (and its namespace) exists. */
  readonly workloadPresent: boolean;
  /** The shadow: the clone with its Service (and HPA copy), as the workload is now, with the mount's duplication id. */
  readonly shadow: { readonly current: boolean; readonly ready: boolean } | undefined;
  readonly originals: readonly ObservedOriginal[];
  /** Nothing of the mount is left in the cluster: no shadow, no original on carrier2. */
  readonly uninstalled: boolean;
  readonly now: Date;
}

/** The one next thing to do for a mount; the service does it, observes again and asks again. */
export type MountStep =
  | { readonly kind: 'finalize' }
  | { readonly kind: 'addFinalizer' }
  | { readonly kind: 'fail'; readonly reason: string; readonly message: string }
  | {
      readonly kind: 'transition';
      readonly to: MountState;
      readonly note: string;
      readonly fields?: Readonly<Record<string, unknown>>;
    }
  /** Creates or updates the shadow clone, its Service and HPA copy from the workload. */
  | { readonly kind: 'prepareShadow'; readonly target: MountTarget }
  /** Records the originals' config and switches their container to carrier2. */
  | { readonly kind: 'installCarrier'; readonly pods: readonly string[] }
  | { readonly kind: 'pushConfig'; readonly pods: readonly string[] }
  /** Restores the originals and removes the shadow (MISSING, TERMINATED, deletion). */
  | { readonly kind: 'uninstall' }
  | { readonly kind: 'delete' }
  | { readonly kind: 'wait'; readonly recheckAt?: Date };

/**
 * The GefyraBridgeMount lifecycle as a pure function of what is stored: the
 * mount, its workload, the shadow and the original pods. Level-triggered: a
 * crash between two steps is resumed by the next reconcile, and every step
 * can be repeated.
 */
export function decideMount(observation: MountObservation): MountStep {
  const { mount, now } = observation;
  if (mount.deleting) return { kind: 'finalize' };
  if (!mount.finalizers.includes(GEFYRA_FINALIZER)) return { kind: 'addFinalizer' };
  const checked = check(mount);
  if ('reason' in checked) {
    if (mount.state === 'ERROR' && mount.failure?.reason === checked.reason) return { kind: 'wait' };
    return { kind: 'fail', ...checked };
  }
  const state = mount.state as MountState;
  if (state === 'TERMINATED') return observation.uninstalled ? { kind: 'delete' } : { kind: 'uninstall' };
  if (mount.sunset instanceof Date && mount.sunset.getTime() <= now.getTime()) {
    return { kind: 'transition', to: 'TERMINATED', note: 'the sunset was reached' };
  }
  if (!observation.workloadPresent) return missing(observation);
  switch (state) {
    case 'REQUESTED':
      return { kind: 'transition', to: 'PREPARING', note: 'preparing the shadow of the workload' };
    case 'MISSING':
      return { kind: 'transition', to: 'PREPARING', note: 'the workload is back: preparing it again' };
    case 'RESTORING':
      return { kind: 'transition', to: 'PREPARING', note: 'restoring the mount' };
    case 'PREPARING':
      if (!observation.shadow?.current) return { kind: 'prepareShadow', target: checked.target };
      return { kind: 'transition', to: 'INSTALLING', note: 'the shadow is created: installing carrier2' };
    case 'INSTALLING':
    case 'ACTIVE':
      return installed(observation, checked.target, state);
    case 'ERROR':
      return stillRefused(observation) ?? recoveryFromError(mount, WRITTEN_PROBLEMS, now);
  }
}

/** INSTALLING and ACTIVE: the shadow serves, every original runs carrier2 with the current configuration. */
function installed(observation: MountObservation, target: MountTarget, state: 'INSTALLING' | 'ACTIVE'): MountStep {
  const { shadow, originals } = observation;
  if (!shadow?.current) {
    return state === 'ACTIVE'
      ? { kind: 'transition', to: 'RESTORING', note: 'the shadow is gone or out of date' }
      : { kind: 'prepareShadow', target };
  }
  // carrier2 sends what no bridge wants to the shadow: it must serve before any original is switched.
  if (!shadow.ready) return { kind: 'wait' };
  const refusal = installRefusal(originals);
  if (refusal !== undefined) return { kind: 'fail', reason: CARRIER_REFUSED, message: refusal };
  const toInstall = originals.filter((pod) => !pod.onCarrier2).map((pod) => pod.name);
  if (toInstall.length > 0) return { kind: 'installCarrier', pods: toInstall };
  const toConfigure = originals.filter((pod) => !pod.configCurrent).map((pod) => pod.name);
  if (toConfigure.length > 0) return { kind: 'pushConfig', pods: toConfigure };
  if (originals.length === 0 || originals.some((pod) => !pod.ready)) return { kind: 'wait' };
  if (state === 'ACTIVE') return { kind: 'wait' };
  return { kind: 'transition', to: 'ACTIVE', note: 'the shadow and every original pod on carrier2 are ready' };
}

const CARRIER_REFUSED = 'Carrier2NotInstallable';

/** Why carrier2 cannot go into the first original not yet on it; undefined when it can go into every one. */
const installRefusal = (originals: readonly ObservedOriginal[]): string | undefined =>
  originals.find((pod) => pod.installRefusal !== undefined && !pod.onCarrier2)?.installRefusal;

/**
 * The originals still refuse carrier2 exactly as when the mount failed (the
 * refusal names the pod and why): restoring would only fail again. The mount
 * stays in ERROR without a word and looks again at the 60 s check; a changed
 * workload (a new pod, another probe) refuses otherwise, or not at all, and
 * restores it.
 */
function stillRefused({ mount, originals, now }: MountObservation): MountStep | undefined {
  const refusal = installRefusal(originals);
  if (mount.failure?.reason !== CARRIER_REFUSED || refusal === undefined || mount.failure.message !== refusal) {
    return undefined;
  }
  return { kind: 'wait', recheckAt: new Date(now.getTime() + RESTORE_DELAY_MS) };
}

/** The namespace or workload is gone: uninstall and keep the bridges until it is back or the grace period is over. */
function missing({ mount, uninstalled, now }: MountObservation): MountStep {
  if (mount.state !== 'MISSING') {
    if (!uninstalled) return { kind: 'uninstall' };
    return { kind: 'transition', to: 'MISSING', note: 'the target workload is gone; its bridges are kept' };
  }
  const graceEnds = enteredAt(mount.stateTransitions, 'MISSING', now) + mount.missingGracePeriodMs;
  if (now.getTime() < graceEnds) return { kind: 'wait', recheckAt: new Date(graceEnds) };
  return { kind: 'transition', to: 'TERMINATED', note: 'the target workload stayed away past the grace period' };
}

/** Reasons that lie in how the mount is written, not in the cluster. */
const WRITTEN_PROBLEMS: readonly string[] = [
  'UnknownState',
  'InvalidProvider',
  'InvalidTarget',
  'InvalidSunset',
  'TlsNotServed',
];

function check(
  mount: GefyraBridgeMount,
): { readonly reason: string; readonly message: string } | { readonly target: MountTarget } {
  if (!isMountState(mount.state)) {
    return {
      reason: 'UnknownState',
      message: `state "${mount.state}" is not a GefyraBridgeMount state (${MOUNT_STATES.join(', ')}); delete the mount and create it again`,
    };
  }
  if (mount.provider !== CARRIER2_MOUNT_PROVIDER) {
    return {
      reason: 'InvalidProvider',
      message: `provider ${JSON.stringify(mount.provider)} is not '${CARRIER2_MOUNT_PROVIDER}'`,
    };
  }
  const target = parseMountTarget(mount.target);
  if (!target.ok) return { reason: 'InvalidTarget', message: target.problem };
  for (const field of ['targetNamespace', 'targetContainer'] as const) {
    if (typeof mount[field] !== 'string' || mount[field] === '') {
      return { reason: 'InvalidTarget', message: `${field} must name the workload's ${field.slice(6).toLowerCase()}` };
    }
  }
  if (mount.sunset === 'invalid') {
    return { reason: 'InvalidSunset', message: 'sunset is not a date and time (RFC 3339, e.g. 2027-01-01T00:00:00Z)' };
  }
  const tls = tlsRefusal(mount.providerParameter);
  if (tls !== undefined) return { reason: 'TlsNotServed', message: tls };
  return { target: target.target };
}
