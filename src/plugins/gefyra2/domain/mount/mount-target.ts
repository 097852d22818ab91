/** The kinds a GefyraBridgeMount can prepare (contract §2). */
export type MountTargetKind = 'Deployment' | 'StatefulSet' | 'Pod';

export interface MountTarget {
  readonly kind: MountTargetKind;
  readonly name: string;
}

/** The client writes the user's raw token (`deploy`, `deployments`, `sts`, `po`, …): every spelling kubectl accepts. */
const KINDS: Readonly<Record<string, MountTargetKind>> = {
  deploy: 'Deployment',
  deployment: 'Deployment',
  deployments: 'Deployment',
  sts: 'StatefulSet',
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  po: 'Pod',
  pod: 'Pod',
  pods: 'Pod',
};

/** A Kubernetes object name (RFC 1123 subdomain). */
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export type ParsedMountTarget =
  { readonly ok: true; readonly target: MountTarget } | { readonly ok: false; readonly problem: string };

/** Reads `target`, `"<kind>/<name>"`, as the 2.5 client writes it. */
export function parseMountTarget(value: unknown): ParsedMountTarget {
  const [kind, name, ...rest] = typeof value === 'string' ? value.split('/') : [];
  const resolved = kind === undefined ? undefined : KINDS[kind.toLowerCase()];
  if (resolved === undefined || name === undefined || !NAME.test(name) || rest.length > 0) {
    return {
      ok: false,
      problem: `target ${JSON.stringify(value)} is not "<kind>/<name>" with kind one of deploy, sts, pod (or their long forms)`,
    };
  }
  return { ok: true, target: { kind: resolved, name } };
}
