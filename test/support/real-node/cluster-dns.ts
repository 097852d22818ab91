import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import type { SupervisedProcess } from '../control-plane/process-supervisor.js';
import { CLUSTER_DNS_IP, NODE_IP } from './node-config.js';

/**
 * A stand-in for CoreDNS: dnsmasq on the node's address, answering
 * `<service>.<namespace>.svc.cluster.local` from a hosts file this writes from
 * the Service list, reached by pods through a `kube-dns` Service at the kubelet's
 * clusterDNS address. No upstream: other names are not resolved.
 */
export async function startClusterDns(
  kubeConfig: KubeConfig,
  hostsDir: string,
  supervise: (name: string, command: string, args: string[]) => SupervisedProcess,
): Promise<{ stop(): void }> {
  const hostsFile = join(hostsDir, 'services');
  await writeFile(hostsFile, '');
  supervise('dnsmasq', 'dnsmasq', [
    '--keep-in-foreground',
    '--log-facility=-',
    '--user=root',
    '--pid-file=',
    `--listen-address=${NODE_IP}`,
    '--bind-interfaces',
    '--port=53',
    '--no-resolv',
    '--no-hosts',
    `--hostsdir=${hostsDir}`,
    // Names under cluster.local that no Service has: NXDOMAIN at once, never forwarded.
    '--local=/cluster.local/',
  ]);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespacedService({
    namespace: 'kube-system',
    body: {
      metadata: { name: 'kube-dns', labels: { 'k8s-app': 'kube-dns' } },
      spec: {
        clusterIP: CLUSTER_DNS_IP,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
      },
    },
  });
  await core.createNamespacedEndpoints({
    namespace: 'kube-system',
    body: {
      metadata: { name: 'kube-dns' },
      subsets: [
        {
          addresses: [{ ip: NODE_IP }],
          ports: [
            { name: 'dns', port: 53, protocol: 'UDP' },
            { name: 'dns-tcp', port: 53, protocol: 'TCP' },
          ],
        },
      ],
    },
  });

  // dnsmasq rereads a changed file in its hostsdir; a new Service resolves within about a second.
  let written = '';
  const refresh = async (): Promise<void> => {
    const services = await core.listServiceForAllNamespaces();
    const text = services.items.map(hostsLine).filter(Boolean).sort().join('');
    if (text === written) return;
    await writeFile(`${hostsFile}.new`, text);
    await rename(`${hostsFile}.new`, hostsFile);
    written = text;
  };
  await refresh();
  const timer = setInterval(() => void refresh().catch(() => undefined), 1_000);
  return { stop: () => clearInterval(timer) };
}

function hostsLine(service: V1Service): string {
  const ip = service.spec?.clusterIP;
  if (ip === undefined || ip === 'None') return '';
  return `${ip} ${service.metadata?.name}.${service.metadata?.namespace}.svc.cluster.local\n`;
}
