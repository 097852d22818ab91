/**
 * ClientAccounts: the Kubernetes identity Gefyra 2 gives each developer's
 * client (a ServiceAccount bound to the `gefyra-client` ClusterRole, with a
 * token Secret), which the client downloads from `serviceAccountData`.
 */
export interface ClientAccount {
  readonly serviceAccountName: string;
  /** The token Secret's data (base64, as stored): token, ca.crt, namespace. Undefined until the token is issued. */
  readonly data?: Readonly<Record<string, string>>;
}

export interface ClientAccounts {
  /** Creates what is missing; idempotent. */
  ensure(client: string, signal: AbortSignal): Promise<ClientAccount>;
  /** Removes the account, its binding and token; absent ones are fine. */
  remove(client: string, signal: AbortSignal): Promise<void>;
}
