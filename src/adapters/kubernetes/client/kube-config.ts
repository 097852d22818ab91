import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isIPv6 } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { parseEnvironment, type Environment } from '../../../environment.js';
import { BOTH_CONTRACTS, defineSettings, variable } from '../../../settings/settings-schema.js';
import { DomainError, isDomainError } from '../../../domain/errors.js';
import { KubeHttp } from './kube-http.js';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The variables every Kubernetes client reads, read here with the same meaning (kubectl's, a pod's). */
export const kubernetesClientSettings = defineSettings('kubernetes client', {
  KUBECONFIG: variable(z.string().optional(), {
    default: 'unset',
    meaning:
      'kubeconfig files (a path list, merged like kubectl) when `--kubeconfig` is not given; else in-cluster, else `~/.kube/config`',
    contracts: BOTH_CONTRACTS,
  }),
  KUBERNETES_SERVICE_HOST: variable(z.string().optional(), {
    default: 'set by Kubernetes in a pod',
    meaning: "the API server, in a cluster (with the pod's ServiceAccount)",
    contracts: BOTH_CONTRACTS,
  }),
  KUBERNETES_SERVICE_PORT: variable(z.string().default('443'), {
    default: '`443`',
    meaning: "the API server's port, in a cluster",
    contracts: BOTH_CONTRACTS,
  }),
});

export interface LoadKubeConfigOptions {
  /** Where KUBECONFIG and KUBERNETES_SERVICE_HOST/PORT are read (kubernetesClientSettings). Default: none set. */
  readonly environment?: Environment;
  /** Default: the user's home directory. */
  readonly homeDir?: string;
  /** Default: /var/run/secrets/kubernetes.io/serviceaccount. */
  readonly serviceAccountDir?: string;
}

/**
 * The operator's credentials, in the order controller-runtime uses: an
 * explicit file, then KUBECONFIG (a path list, merged like kubectl), then the
 * pod's ServiceAccount when running in a cluster, then ~/.kube/config.
 * Fails with a DomainError that says what to set when there is none.
 */
export function loadKubeConfig(kubeconfig?: string, options: LoadKubeConfigOptions = {}): KubeConfig {
  if (kubeconfig !== undefined && kubeconfig !== '') return fromFiles([kubeconfig]);
  const environment = parseEnvironment(kubernetesClientSettings, options.environment ?? {});
  const listed = (environment.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  if (listed.length > 0) return fromFiles(listed);
  const serviceAccountDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = environment.KUBERNETES_SERVICE_HOST;
  if (host !== undefined && existsSync(join(serviceAccountDir, 'token'))) {
    return inCluster(host, environment.KUBERNETES_SERVICE_PORT, serviceAccountDir);
  }
  const home = join(options.homeDir ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFiles([home]);
  throw new DomainError('NotFound', 'no kubeconfig found: set KUBECONFIG or run inside a cluster', {
    retryable: false,
  });
}

/**
 * Asks the API server for its version: a cheap request that proves the
 * server is reachable and its certificate accepted. Connection failures
 * become a DomainError naming the server URL.
 */
export async function checkApiReachable(kubeConfig: KubeConfig, signal: AbortSignal): Promise<{ gitVersion: string }> {
  const http = new KubeHttp(kubeConfig);
  try {
    const version = (await http.send({
      method: 'GET',
      path: '/version',
      action: { verb: 'get', resource: 'version' },
      signal,
    })) as { gitVersion?: unknown };
    return { gitVersion: typeof version?.gitVersion === 'string' ? version.gitVersion : 'unknown' };
  } catch (error) {
    if (isDomainError(error, 'Timeout') || isDomainError(error, 'Aborted')) {
      throw new DomainError('Unavailable', `the Kubernetes API server at ${http.server} did not answer in time`, {
        cause: error,
      });
    }
    throw error;
  }
}

function fromFiles(files: readonly string[]): KubeConfig {
  const [first, ...rest] = files;
  const config = readFile(first ?? '');
  for (const file of rest) {
    if (existsSync(file)) config.mergeConfig(readFile(file), true);
  }
  if (config.getCurrentCluster() === null) {
    throw new DomainError(
      'Invalid',
      `the kubeconfig ${files.join(delimiter)} has no current context with a cluster: set current-context`,
      {
        retryable: false,
      },
    );
  }
  return config;
}

function readFile(file: string): KubeConfig {
  if (!existsSync(file)) throw new DomainError('NotFound', `kubeconfig ${file} does not exist`, { retryable: false });
  const config = new KubeConfig();
  try {
    config.loadFromFile(file);
  } catch (error) {
    // The parser's message may quote the file's content, tokens included: keep only the file name.
    const reason = error instanceof Error ? error.name : 'unreadable';
    throw new DomainError('Invalid', `kubeconfig ${file} cannot be read as a kubeconfig (${reason})`, {
      retryable: false,
    });
  }
  return config;
}

/** What client-node's loadFromCluster builds, from the given environment instead of process.env. */
function inCluster(host: string, port: string, serviceAccountDir: string): KubeConfig {
  const config = new KubeConfig();
  const namespaceFile = join(serviceAccountDir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
  config.loadFromOptions({
    clusters: [
      {
        name: 'inCluster',
        server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
        caFile: join(serviceAccountDir, 'ca.crt'),
        skipTLSVerify: false,
      },
    ],
    // tokenFile: client-node re-reads the projected token, which the kubelet rotates.
    users: [
      {
        name: 'inClusterUser',
        authProvider: { name: 'tokenFile', config: { tokenFile: join(serviceAccountDir, 'token') } },
      },
    ],
    contexts: [
      {
        name: 'inClusterContext',
        cluster: 'inCluster',
        user: 'inClusterUser',
        ...(namespace === undefined ? {} : { namespace }),
      },
    ],
    currentContext: 'inClusterContext',
  });
  return config;
}
