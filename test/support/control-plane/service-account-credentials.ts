import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, VersionApi, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig, writeKubeconfig } from './kubeconfig.js';
import { pollUntil } from './polling.js';

export interface ServiceAccountCredentials {
  /** Authenticates as the ServiceAccount: exactly the permissions its RBAC bindings grant. */
  readonly kubeConfig: KubeConfig;
  readonly kubeconfigPath: string;
  readonly token: string;
  /** `system:serviceaccount:<namespace>:<name>`, as RBAC subjects and the audit log name it. */
  readonly username: string;
}

export interface ServiceAccountCredentialOptions {
  /** How long to wait for the ServiceAccount and its token. Default 30 s. */
  readonly timeoutMs?: number;
}

/**
 * Makes a kubeconfig that authenticates as an existing ServiceAccount, written
 * to `dir`. On 1.20 the token is the one the controller manager's token
 * controller stores in a Secret for the ServiceAccount (the form operators
 * running in-cluster used at the time); clusters from 1.24 no longer create
 * those Secrets, so there a TokenRequest is made instead.
 */
export async function createServiceAccountCredentials(
  admin: KubeConfig,
  dir: string,
  namespace: string,
  name: string,
  options: ServiceAccountCredentialOptions = {},
): Promise<ServiceAccountCredentials> {
  const cluster = admin.getCurrentCluster();
  if (cluster === null || cluster.caData === undefined)
    throw new Error('the admin kubeconfig names no cluster with CA data');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const token = (await hasTokenSecrets(admin))
    ? await waitForTokenSecret(admin, namespace, name, timeoutMs)
    : await requestToken(admin, namespace, name);
  await mkdir(dir, { recursive: true });
  const kubeconfigPath = join(dir, `sa-${namespace}-${name}.kubeconfig`);
  const username = `system:serviceaccount:${namespace}:${name}`;
  await writeKubeconfig(kubeconfigPath, {
    server: cluster.server,
    caPem: Buffer.from(cluster.caData, 'base64').toString('utf8'),
    token,
    name: username.replaceAll(':', '-'),
  });
  return { kubeConfig: loadKubeConfig(kubeconfigPath), kubeconfigPath, token, username };
}

async function hasTokenSecrets(admin: KubeConfig): Promise<boolean> {
  const version = await admin.makeApiClient(VersionApi).getCode();
  return Number.parseInt(version.minor, 10) < 24;
}

async function waitForTokenSecret(
  admin: KubeConfig,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  return await pollUntil(
    `a token Secret for ServiceAccount ${namespace}/${name}`,
    async () => {
      const account = await core.readNamespacedServiceAccount({ namespace, name });
      for (const reference of account.secrets ?? []) {
        if (reference.name === undefined) continue;
        const secret = await core.readNamespacedSecret({ namespace, name: reference.name });
        const token = secret.data?.['token'];
        if (secret.type === 'kubernetes.io/service-account-token' && token !== undefined) {
          return Buffer.from(token, 'base64').toString('utf8');
        }
      }
      return undefined;
    },
    { timeoutMs },
  );
}

async function requestToken(admin: KubeConfig, namespace: string, name: string): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  const response = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
  });
  const token = response.status?.token;
  if (token === undefined) throw new Error(`the TokenRequest for ${namespace}/${name} returned no token`);
  return token;
}
