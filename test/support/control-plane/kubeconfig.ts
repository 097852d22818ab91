import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface TokenKubeconfig {
  readonly server: string;
  /** PEM of the CA that signed the API server's certificate. */
  readonly caPem: string;
  readonly token: string;
  /** Names the cluster, user and context inside the file. */
  readonly name: string;
}

/** A kubeconfig authenticating with a bearer token, as YAML text kubectl and client libraries read. */
export function renderKubeconfig(config: TokenKubeconfig): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'gefyra-local',
        cluster: {
          server: config.server,
          'certificate-authority-data': Buffer.from(config.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: config.name, user: { token: config.token } }],
    contexts: [{ name: config.name, context: { cluster: 'gefyra-local', user: config.name } }],
    'current-context': config.name,
    preferences: {},
  });
}

/** Writes the kubeconfig file (readable by its owner only: it holds a credential). */
export async function writeKubeconfig(path: string, config: TokenKubeconfig): Promise<void> {
  await writeFile(path, renderKubeconfig(config), { mode: 0o600 });
}

export function loadKubeConfig(path: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  return kubeConfig;
}
