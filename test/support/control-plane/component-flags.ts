import type { KubernetesVersion } from './kubernetes-version.js';

/** Everything the component command lines are made of; all paths live in the run's work directory. */
export interface ControlPlaneLayout {
  readonly version: KubernetesVersion;
  readonly etcdDataDir: string;
  readonly etcdClientPort: number;
  readonly etcdPeerPort: number;
  readonly apiServerPort: number;
  /** Where pods reach the API server (a real node's pods, through the `kubernetes` Service); loopback only when unset. */
  readonly apiServerAdvertiseAddress?: string;
  readonly controllerManagerPort: number;
  readonly schedulerPort: number;
  readonly servingCertPath: string;
  readonly servingKeyPath: string;
  readonly serviceAccountPrivateKeyPath: string;
  readonly serviceAccountPublicKeyPath: string;
  readonly tokenAuthFilePath: string;
  readonly auditPolicyPath: string;
  readonly auditLogPath: string;
  readonly controllerManagerKubeconfigPath: string;
  readonly schedulerKubeconfigPath: string;
  readonly certDir: (component: string) => string;
}

export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/16';
/** The `kubernetes` Service's cluster IP: the first of the range. In-cluster clients check it in the serving certificate. */
export const KUBERNETES_SERVICE_IP = '10.0.0.1';

export function etcdArgs(layout: ControlPlaneLayout): string[] {
  const client = `http://127.0.0.1:${layout.etcdClientPort}`;
  const peer = `http://127.0.0.1:${layout.etcdPeerPort}`;
  return [
    `--name=default`,
    `--data-dir=${layout.etcdDataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
  ];
}

export function apiServerArgs(layout: ControlPlaneLayout): string[] {
  const args = [
    `--etcd-servers=http://127.0.0.1:${layout.etcdClientPort}`,
    `--bind-address=${layout.apiServerAdvertiseAddress === undefined ? '127.0.0.1' : '0.0.0.0'}`,
    `--advertise-address=${layout.apiServerAdvertiseAddress ?? '127.0.0.1'}`,
    `--secure-port=${layout.apiServerPort}`,
    `--cert-dir=${layout.certDir('kube-apiserver')}`,
    `--tls-cert-file=${layout.servingCertPath}`,
    `--tls-private-key-file=${layout.servingKeyPath}`,
    `--service-account-key-file=${layout.serviceAccountPublicKeyPath}`,
    `--service-account-signing-key-file=${layout.serviceAccountPrivateKeyPath}`,
    `--service-account-issuer=https://kubernetes.default.svc`,
    `--token-auth-file=${layout.tokenAuthFilePath}`,
    `--authorization-mode=Node,RBAC`,
    // Room for thousands of Services: Stowaway has one per proxy route.
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    `--allow-privileged=true`,
    `--kubelet-preferred-address-types=InternalIP`,
    `--audit-policy-file=${layout.auditPolicyPath}`,
    `--audit-log-path=${layout.auditLogPath}`,
    `--audit-log-format=json`,
    // Events must be in the file by the time the request returns, so that a
    // benchmark reading the log right after its last request counts them all.
    `--audit-log-mode=blocking`,
    `--profiling=false`,
  ];
  // Before 1.24 the API server also served plain HTTP on 127.0.0.1:8080 unless told not to.
  if (layout.version.minor < 24) args.push('--insecure-port=0');
  return args;
}

export function controllerManagerArgs(layout: ControlPlaneLayout): string[] {
  const args = [
    `--kubeconfig=${layout.controllerManagerKubeconfigPath}`,
    `--service-account-private-key-file=${layout.serviceAccountPrivateKeyPath}`,
    `--root-ca-file=${layout.servingCertPath}`,
    // No real nodes: no CIDRs to hand out, and no lifecycle controller to evict
    // pods from a simulated node whose heartbeat it would find missing.
    `--controllers=*,-nodeipam,-nodelifecycle`,
    `--leader-elect=false`,
    `--bind-address=127.0.0.1`,
    `--secure-port=${layout.controllerManagerPort}`,
    `--cert-dir=${layout.certDir('kube-controller-manager')}`,
    `--profiling=false`,
  ];
  // Before 1.24 it also served plain HTTP on the fixed port 10252: two runs would collide.
  if (layout.version.minor < 24) args.push('--port=0');
  return args;
}

export function schedulerArgs(layout: ControlPlaneLayout): string[] {
  const args = [
    `--kubeconfig=${layout.schedulerKubeconfigPath}`,
    `--leader-elect=false`,
    `--bind-address=127.0.0.1`,
    `--secure-port=${layout.schedulerPort}`,
    `--cert-dir=${layout.certDir('kube-scheduler')}`,
    `--profiling=false`,
  ];
  // Before 1.23 it also served plain HTTP on the fixed port 10251.
  if (layout.version.minor < 23) args.push('--port=0');
  return args;
}

/** Audit at level Metadata: who did what to which object, without bodies (no secrets in the log). */
export const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
`;
