import { readFileSync } from 'node:fs';
import { GrantedAccess, type ResourceRule } from '../../access/granted-access.js';
import { KubeHttp } from './kube-http.js';
import type { KubeConfig } from '@kubernetes/client-node';

interface RulesReview {
  readonly status?: {
    readonly resourceRules?: readonly ResourceRule[];
    readonly incomplete?: boolean;
    readonly evaluationError?: string;
  };
}

/**
 * Asks the API server what these credentials may do in the namespace (a
 * SelfSubjectRulesReview, allowed to every authenticated user): one request
 * at start instead of trying each kind and reading 403s in the log. An
 * incomplete answer (an authorizer that cannot list rules) or a failed review
 * yields `undefined`: the caller then assumes the full deploy/ RBAC.
 */
export async function reviewAccess(
  kubeConfig: KubeConfig,
  namespace: string,
  signal: AbortSignal,
): Promise<GrantedAccess | undefined> {
  const review = (await new KubeHttp(kubeConfig).send({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
    action: { verb: 'create', resource: 'a SelfSubjectRulesReview' },
    signal,
  })) as RulesReview;
  if (!review.status || review.status.incomplete) return undefined;
  return GrantedAccess.fromRules(review.status.resourceRules ?? []);
}

/**
 * Who the credentials are, as the API server names them in its refusals
 * (`system:serviceaccount:<namespace>:<name>`): the subject of a
 * ServiceAccount token, in a kubeconfig or in the pod's token file. Undefined
 * for other credentials.
 */
export function credentialsUser(kubeConfig: KubeConfig): string | undefined {
  const user = kubeConfig.getCurrentUser();
  const tokenFile = (user?.authProvider as { config?: { tokenFile?: string } } | undefined)?.config?.tokenFile;
  try {
    const token = user?.token ?? (tokenFile === undefined ? undefined : readFileSync(tokenFile, 'utf8').trim());
    const payload = token?.split('.')[1];
    if (payload === undefined) return undefined;
    const subject = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown }).sub;
    return typeof subject === 'string' ? subject : undefined;
  } catch {
    return undefined;
  }
}
