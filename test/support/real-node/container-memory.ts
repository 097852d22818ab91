import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

/** A container's memory as the kubelet's Summary API reports it (GET /stats/summary, through the node proxy). */
export interface KubeletMemory {
  readonly workingSetBytes: number;
  readonly rssBytes: number;
  readonly usageBytes: number;
}

interface SummaryContainer {
  readonly name: string;
  readonly memory?: Partial<KubeletMemory>;
}

interface Summary {
  readonly pods?: readonly {
    readonly podRef: { readonly name: string; readonly namespace: string };
    readonly containers?: readonly SummaryContainer[];
  }[];
}

export interface ContainerOnNode {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** undefined while the kubelet has no figures for the container yet (its stats are gathered every few seconds). */
export async function kubeletMemory(
  kubeConfig: KubeConfig,
  nodeName: string,
  target: ContainerOnNode,
): Promise<KubeletMemory | undefined> {
  const text = await kubeConfig
    .makeApiClient(CoreV1Api)
    .connectGetNodeProxyWithPath({ name: nodeName, path: 'stats/summary' });
  const summary = (typeof text === 'string' ? JSON.parse(text) : text) as Summary;
  const memory = summary.pods
    ?.find((pod) => pod.podRef.namespace === target.namespace && pod.podRef.name === target.pod)
    ?.containers?.find((container) => container.name === target.container)?.memory;
  if (memory?.workingSetBytes === undefined) return undefined;
  return {
    workingSetBytes: memory.workingSetBytes,
    rssBytes: memory.rssBytes ?? Number.NaN,
    usageBytes: memory.usageBytes ?? Number.NaN,
  };
}

/** The memory cgroup (v1) the kubelet made for one container, read as the kernel keeps it. */
export interface CgroupMemory {
  readonly limitBytes: number;
  /** memory.usage_in_bytes: page cache included. */
  readonly usageBytes: number;
  /** memory.max_usage_in_bytes: the highest usage since the cgroup was made (page cache included). */
  readonly maxUsageBytes: number;
  /** Usage less inactive file pages: what the kubelet calls the working set (what the OOM killer cannot reclaim). */
  readonly workingSetBytes: number;
  readonly rssBytes: number;
  /** How often usage hit the limit (the kernel then reclaimed page cache, or killed). */
  readonly failCount: number;
  /** memory.oom_control's oom_kill: processes of this cgroup the OOM killer killed. */
  readonly oomKills: number;
}

/**
 * The container's memory cgroup under the kubelet's cgroupRoot (cgroupfs driver:
 * `<root>/kubepods[/<qos>]/pod<uid>/<container id>`); undefined when it is not there.
 */
export async function containerMemoryCgroup(
  memoryHierarchy: string,
  cgroupRoot: string,
  podUid: string,
  containerId: string,
): Promise<string | undefined> {
  const kubepods = join(memoryHierarchy, cgroupRoot, 'kubepods');
  for (const parent of [kubepods, join(kubepods, 'burstable'), join(kubepods, 'besteffort')]) {
    const entries = await readdir(parent).catch(() => [] as string[]);
    if (entries.includes(`pod${podUid}`)) return join(parent, `pod${podUid}`, containerId);
  }
  return undefined;
}

export async function readCgroupMemory(dir: string): Promise<CgroupMemory> {
  const read = async (file: string): Promise<string> => await readFile(join(dir, `memory.${file}`), 'utf8');
  const [limit, usage, maxUsage, failCount, stat, oomControl] = await Promise.all([
    read('limit_in_bytes'),
    read('usage_in_bytes'),
    read('max_usage_in_bytes'),
    read('failcnt'),
    read('stat'),
    read('oom_control'),
  ]);
  const fields = (text: string): Map<string, number> =>
    new Map(
      text
        .trim()
        .split('\n')
        .map((line) => line.split(' '))
        .map(([key, value]) => [key ?? '', Number(value)]),
    );
  const stats = fields(stat);
  const usageBytes = Number(usage);
  const inactiveFile = stats.get('total_inactive_file') ?? 0;
  return {
    limitBytes: Number(limit),
    usageBytes,
    maxUsageBytes: Number(maxUsage),
    workingSetBytes: Math.max(0, usageBytes - inactiveFile),
    rssBytes: stats.get('total_rss') ?? Number.NaN,
    failCount: Number(failCount),
    oomKills: fields(oomControl).get('oom_kill') ?? Number.NaN,
  };
}

export const mebibytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

/** The mount point of the cgroup v1 memory hierarchy, from /proc/self/mounts. */
export async function memoryHierarchy(): Promise<string> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((line) => line.split(' '));
  const found = mounts.find((fields) => fields[2] === 'cgroup' && (fields[3] ?? '').split(',').includes('memory'));
  if (found?.[1] === undefined) throw new Error('no cgroup v1 memory hierarchy is mounted');
  return found[1];
}

export interface MemorySample {
  /** Milliseconds since the sampling started. */
  readonly at: number;
  readonly label: string;
  readonly cgroup?: CgroupMemory;
  readonly kubelet?: KubeletMemory;
  readonly error?: string;
}

export interface MemorySampler {
  readonly samples: readonly MemorySample[];
  /** Later samples carry this label (the phase of the test they were taken in). */
  label(phase: string): void;
  stop(): Promise<void>;
}

/**
 * Reads the container's cgroup and the kubelet's Summary API every
 * `intervalMs`, one sample after the other, until stopped: figures for a
 * benchmark-style report (peak and steady), not a timed assertion.
 */
export function sampleMemory(read: {
  readonly cgroup: () => Promise<CgroupMemory>;
  readonly kubelet: () => Promise<KubeletMemory | undefined>;
  readonly intervalMs: number;
}): MemorySampler {
  const samples: MemorySample[] = [];
  const startedAt = Date.now();
  let phase = 'start';
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      const label = phase;
      const [cgroup, kubelet] = await Promise.allSettled([read.cgroup(), read.kubelet()]);
      const errors = [cgroup, kubelet].flatMap((result) =>
        result.status === 'rejected' ? [String(result.reason)] : [],
      );
      samples.push({
        at: Date.now() - startedAt,
        label,
        ...(cgroup.status === 'fulfilled' ? { cgroup: cgroup.value } : {}),
        ...(kubelet.status === 'fulfilled' && kubelet.value !== undefined ? { kubelet: kubelet.value } : {}),
        ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
      });
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, read.intervalMs);
      });
    }
  })();
  return {
    samples,
    label: (next) => void (phase = next),
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
