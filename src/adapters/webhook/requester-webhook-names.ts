/**
 * The objects of the requester-stamping webhook, named after the
 * installation (GEFYRA_OPERATOR_CLUSTER_ROLE, `gefyra-operator` in deploy/),
 * so that the manifests and the operator that serves it agree.
 */
export interface RequesterWebhookNames {
  /** The Service in front of the operator's pods; the serving certificate is made out to `<service>.<namespace>.svc`. */
  readonly service: string;
  /** The webhook's CA and serving certificate. */
  readonly tlsSecret: string;
  /** The stamp key; only the operator's ServiceAccount reads it. */
  readonly keySecret: string;
  /** The MutatingWebhookConfiguration (cluster-scoped) whose caBundle the operator keeps at its CA. */
  readonly configuration: string;
}

export const REQUESTER_WEBHOOK_PATH = '/stamp-requester';

export const requesterWebhookNames = (installation: string): RequesterWebhookNames => ({
  service: `${installation}-admission`,
  tlsSecret: `${installation}-admission-tls`,
  keySecret: `${installation}-requester-stamp-key`,
  configuration: `${installation}-requester`,
});
