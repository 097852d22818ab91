import type { Container } from 'inversify';
import type { Permission } from '../adapters/access/granted-access.js';
import { operatorEvent } from '../domain/boot/operator-events.js';
import { TOKENS } from '../tokens.js';
import { resolve } from '../plugins/resolve.js';

/** The reason of a refused permission, as the boot reports one it meets (domain/boot). */
export const MISSING_ACCESS_REASON = 'InsufficientPrivileges';

/**
 * What to grant, worded as the API server words a refusal, one phrase per
 * resource: `User "…" cannot create resource "pods/exec" in API group "" (nor get); …`.
 */
export function describeMissingAccess(missing: readonly Permission[], user: string | undefined): string {
  const verbsByResource = new Map<string, { group: string; resource: string; verbs: string[] }>();
  for (const { verb, group, resource } of missing) {
    const key = `${group}/${resource}`;
    const entry = verbsByResource.get(key) ?? { group, resource, verbs: [] };
    entry.verbs.push(verb);
    verbsByResource.set(key, entry);
  }
  const phrases = [...verbsByResource.values()].map(
    ({ group, resource, verbs: [first, ...others] }) =>
      `cannot ${first} resource "${resource}" in API group "${group}"${others.length > 0 ? ` (nor ${others.join(', ')})` : ''}`,
  );
  const who = user === undefined ? "the operator's credentials" : `User "${user}"`;
  return `${who} ${phrases.join('; ')}: nothing can stand in for these permissions; grant them in a ClusterRole bound to it`;
}

/** Says it where the user looks: a Warning Event on the operator's Deployment (best effort, as every Event). */
export async function recordMissingAccess(
  container: Container,
  namespace: string,
  message: string,
  signal: AbortSignal,
): Promise<void> {
  await resolve(container, TOKENS.EventRecorder).record(
    operatorEvent(namespace, 'Warning', MISSING_ACCESS_REASON, message),
    signal,
  );
}
