import type { LeaseRecord } from '../../ports/lease-store.port.js';

/**
 * Pure leader election over a lease record: take a free or expired lease,
 * renew our own, follow anyone else's while it is fresh.
 */
export type LeadershipDecision =
  | { readonly action: 'acquire'; readonly record: LeaseRecord }
  | { readonly action: 'renew'; readonly record: LeaseRecord }
  | { readonly action: 'follow'; readonly holder: string; readonly expiresAt: Date };

export function decideLeadership(
  lease: LeaseRecord | undefined,
  identity: string,
  now: Date,
  durationSeconds: number,
): LeadershipDecision {
  const fresh = (record: LeaseRecord) =>
    record.renewedAt !== undefined && now.getTime() < record.renewedAt.getTime() + record.durationSeconds * 1000;
  if (lease && lease.holder === identity) {
    return { action: 'renew', record: { ...lease, renewedAt: now, durationSeconds } };
  }
  if (lease && lease.holder !== undefined && fresh(lease)) {
    const renewedAt = lease.renewedAt as Date;
    return {
      action: 'follow',
      holder: lease.holder,
      expiresAt: new Date(renewedAt.getTime() + lease.durationSeconds * 1000),
    };
  }
  return {
    action: 'acquire',
    record: {
      holder: identity,
      acquiredAt: now,
      renewedAt: now,
      durationSeconds,
      transitions: lease ? lease.transitions + (lease.holder === undefined ? 0 : 1) : 0,
      version: lease?.version,
    },
  };
}
