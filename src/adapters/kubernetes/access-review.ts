import { GrantedAccess, type ResourceRule } from '../access/granted-access.js';
import { KubeHttp } from './kube-http.js';
import type { KubeConfig } from '@kubernetes/client-node';

interface RulesReview {
  readonly status?: { readonly resourceRules?: readonly ResourceRule[]; readonly incomplete?: boolean; readonly evaluationError?: string };
}

/**
 * Asks the API server what these credentials may do in the namespace (a
 * SelfSubjectRulesReview, allowed to every authenticated user): one request
 * at start instead of trying each kind and reading 403s in the log. An
 * incomplete answer (an authorizer that cannot list rules) or a failed review
 * yields `undefined`: the caller then assumes the full deploy/ RBAC.
 */
export async function reviewAccess(kubeConfig: KubeConfig, namespace: string, signal: AbortSignal): Promise<GrantedAccess | undefined> {
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
