/**
 * The real node's settings (see /work/shared/spec/real-node.md, "Settings that
 * worked") as the files each component reads. Every path is in the run's work
 * directory; every address is inside the node's private network namespace.
 */

/** The node's address, on a veth pair inside its namespace (this kernel has no `dummy` links). */
export const NODE_IP = '10.200.0.1';
export const NODE_LINK = 'gfrn0';
/**
 * A second node's kubelet address in the same namespace: a simulated node (running in the
 * test process) registers it, and a forwarder here passes the API server's exec
 * connections on to it through a unix socket (see simulated-neighbour.ts).
 */
export const NEIGHBOUR_NODE_IP = '10.200.0.2';
export const NEIGHBOUR_KUBELET_PORT = 10250;
/** host-local IPAM on the CNI bridge; the bridge itself is the gateway, 10.244.0.1. */
export const POD_SUBNET = '10.244.0.0/24';
export const CLUSTER_CIDR = '10.244.0.0/16';
/** The kubelet's clusterDNS: the kube-dns Service's cluster IP (in the API server's service range). */
export const CLUSTER_DNS_IP = '10.0.0.10';
export const PAUSE_IMAGE = 'gefyra.local/pause:3.4.1';

export interface NodeLayout {
  readonly nodeName: string;
  readonly workDir: string;
  readonly containerdRoot: string;
  readonly containerdState: string;
  readonly containerdSocket: string;
  readonly cniConfDir: string;
  readonly cniIpamDir: string;
  readonly kubeletRoot: string;
  readonly cgroupRoot: string;
  readonly resolvConf: string;
  readonly kubeletKubeconfig: string;
  readonly kubeProxyKubeconfig: string;
}

export function containerdConfig(layout: NodeLayout): string {
  return `version = 2
root = "${layout.containerdRoot}"
state = "${layout.containerdState}"
oom_score = 0
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "${layout.containerdSocket}"

[ttrpc]
  address = "${layout.containerdSocket}.ttrpc"

[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  # Pod network namespaces under the state directory, not /run/netns.
  netns_mounts_under_state_dir = true
  # Without CAP_SYS_RESOURCE runc cannot lower oom_score_adj below its parent's.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${layout.containerdState}/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${layout.cniConfDir}"
`;
}

export function cniConfig(layout: NodeLayout): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: 'gefyra-real-node',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: layout.cniIpamDir,
            ranges: [[{ subnet: POD_SUBNET }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

export function kubeletConfig(layout: NodeLayout): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${NODE_IP}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
cgroupDriver: cgroupfs
cgroupRoot: ${layout.cgroupRoot}
failSwapOn: false
clusterDNS: [${CLUSTER_DNS_IP}]
clusterDomain: cluster.local
resolvConf: ${layout.resolvConf}
# The API server reaches the kubelet only inside the node's private network
# namespace; it has no client certificate for it.
authentication:
  anonymous: { enabled: true }
  webhook: { enabled: false }
authorization:
  mode: AlwaysAllow
# A developer's disk is fuller than a node's: never evict the tier's pods for it.
evictionHard:
  memory.available: 50Mi
  nodefs.available: 1%
  imagefs.available: 1%
  nodefs.inodesFree: 1%
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
`;
}

export function kubeProxyConfig(layout: NodeLayout): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: ${layout.kubeProxyKubeconfig}
hostnameOverride: ${layout.nodeName}
bindAddress: ${NODE_IP}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
mode: iptables
clusterCIDR: ${CLUSTER_CIDR}
# All four at 0: kube-proxy then leaves the (global) conntrack sysctls alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
`;
}

export function kubeletArgs(layout: NodeLayout, configPath: string): string[] {
  const endpoint = `unix://${layout.containerdSocket}`;
  return [
    `--config=${configPath}`,
    `--kubeconfig=${layout.kubeletKubeconfig}`,
    '--container-runtime=remote',
    `--container-runtime-endpoint=${endpoint}`,
    `--image-service-endpoint=${endpoint}`,
    `--root-dir=${layout.kubeletRoot}`,
    `--cert-dir=${layout.kubeletRoot}/pki`,
    `--node-ip=${NODE_IP}`,
    `--hostname-override=${layout.nodeName}`,
    `--pod-infra-container-image=${PAUSE_IMAGE}`,
    '--v=1',
  ];
}
