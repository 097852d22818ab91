import type { ScenarioResults, Sizes } from '../scenarios/all.js';
import type { DataPlaneOutcome } from '../scenarios/data-plane.js';
import type { ClientRbacResult } from '../scenarios/client-rbac.js';

export interface BenchReport extends ScenarioResults {
  readonly date: string;
  readonly machine: {
    readonly cores: number;
    readonly memoryGiB: number;
    readonly node: string;
    readonly kubernetes: string;
  };
  readonly sizes: Sizes;
  readonly operatorNodeFlags: readonly string[];
  /** Traffic through real intercepts (absent when the run left it out). */
  readonly dataPlane?: DataPlaneOutcome;
  /** The smaller scenario under the Gefyra client's ClusterRole (run before the others). */
  readonly clientRbac?: ClientRbacResult;
}

const ms = (value: number) => `${Math.round(value)} ms`;

/** Prints the report (formatReport). */
export function printReport(report: BenchReport): void {
  process.stdout.write(formatReport(report));
}

/** The human table, then one machine-readable line starting with `BENCH_RESULT `. */
export function formatReport(report: BenchReport): string {
  const { latency, burst, idle, scale, idleAtScale } = report;
  const rows: [string, string, string][] = [
    [
      'intercept latency, create -> established',
      `p50 ${ms(latency.establishMs.p50)}, p95 ${ms(latency.establishMs.p95)}, max ${ms(latency.establishMs.max)}`,
      `${latency.establishMs.count} sequential`,
    ],
    [
      'intercept latency, delete -> original image',
      `p50 ${ms(latency.removeMs.p50)}, p95 ${ms(latency.removeMs.p95)}, max ${ms(latency.removeMs.max)}`,
      `${latency.removeMs.count} sequential`,
    ],
    ...dataPlaneRows(report.dataPlane),
    [
      'API requests to establish one intercept',
      String(latency.establishRequests.total),
      describe(latency.establishRequests.byVerbAndResource),
    ],
    [
      'API requests to remove one intercept',
      String(latency.removeRequests.total),
      describe(latency.removeRequests.byVerbAndResource),
    ],
    [
      'burst: all established',
      ms(burst.establishAllMs),
      `${burst.requests} at once, ${burst.failed} failed, ${burst.distinctProxyPorts} distinct proxy ports`,
    ],
    [
      'burst: all removed',
      ms(burst.removeAllMs),
      `${burst.apiRequestsPerIntercept} API requests per intercept, both ways`,
    ],
    [
      'scale: resident memory',
      `${scale.residentMiB} MiB`,
      `${scale.activeIntercepts} active intercepts; V8 heap ${scale.heapUsedMiB} MiB in use of ` +
        `${scale.heapTotalMiB} MiB, native ${scale.externalMiB} MiB; peak ${scale.peakResidentMiB} MiB`,
    ],
    [
      'scale: take-up after restart',
      ms(scale.takeUpMs),
      `${scale.takeUpApiRequests} API requests: ${describe(scale.takeUpByVerbAndResource)}`,
    ],
    [
      'idle: API requests per minute',
      `${idle.apiRequestsPerMinute} / ${idleAtScale.apiRequestsPerMinute}`,
      `with ${idle.activeIntercepts} / ${idleAtScale.activeIntercepts} intercepts: ${describe(idleAtScale.byVerbAndResource)}`,
    ],
    [
      'idle: CPU seconds per minute',
      `${idle.cpuSecondsPerMinute} / ${idleAtScale.cpuSecondsPerMinute}`,
      `with ${idle.activeIntercepts} / ${idleAtScale.activeIntercepts} intercepts`,
    ],
  ];
  const client = report.clientRbac;
  if (client) {
    const { latency: clientLatency } = client;
    rows.push(
      [
        'client RBAC: create -> established',
        `p50 ${ms(clientLatency.establishMs.p50)}, p95 ${ms(clientLatency.establishMs.p95)}, max ${ms(clientLatency.establishMs.max)}`,
        `${clientLatency.establishMs.count} sequential, under the Gefyra client's ClusterRole`,
      ],
      [
        'client RBAC: delete -> original image',
        `p50 ${ms(clientLatency.removeMs.p50)}, p95 ${ms(clientLatency.removeMs.p95)}, max ${ms(clientLatency.removeMs.max)}`,
        `${clientLatency.removeMs.count} sequential`,
      ],
      [
        'client RBAC: API requests to establish one',
        String(clientLatency.establishRequests.total),
        describe(clientLatency.establishRequests.byVerbAndResource),
      ],
      [
        'client RBAC: API requests to remove one',
        String(clientLatency.removeRequests.total),
        describe(clientLatency.removeRequests.byVerbAndResource),
      ],
      ...Object.values(client.idle).map((idle): [string, string, string] => [
        `client RBAC: idle API requests per minute, ${idle.activeIntercepts} intercepts`,
        String(idle.apiRequestsPerMinute),
        describe(idle.byVerbAndResource),
      ]),
    );
  }
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const lines = [
    `gefyra-operator benchmark, ${report.date}, ${report.machine.cores} cores, ` +
      `${report.machine.memoryGiB} GiB, Node.js ${report.machine.node}, Kubernetes ${report.machine.kubernetes} ` +
      `(local control plane, simulated node), ` +
      `operator flags: ${report.operatorNodeFlags.join(' ') || 'none'}`,
    '',
    ...rows.map(
      ([what, value, detail]) => `${what.padEnd(widths[0] ?? 0)}  ${value.padEnd(widths[1] ?? 0)}  ${detail}`,
    ),
  ];
  return `${lines.join('\n')}\n\nBENCH_RESULT ${JSON.stringify(report)}\n`;
}

const summary = (s: { p50: number; p95: number; max: number }) =>
  `p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, max ${ms(s.max)}`;

/** The data plane's figures, next to the API-level latency of the same intercepts. */
function dataPlaneRows(outcome: DataPlaneOutcome | undefined): [string, string, string][] {
  if (outcome === undefined) return [];
  if ('skipped' in outcome) return [['data plane (traffic through intercepts)', 'skipped', outcome.skipped]];
  const on = `${outcome.intercepts} sequential on the data-plane node`;
  return [
    ['data plane: create -> established', summary(outcome.establishMs), on],
    [
      'data plane: create -> first answer from the developer',
      summary(outcome.firstAnswerMs),
      `${outcome.answeredBeforeEstablished} of ${outcome.intercepts} answered before established was seen`,
    ],
    ['data plane: delete -> original image', summary(outcome.removeMs), on],
    [
      'data plane: delete -> original answers again',
      summary(outcome.originalAnswerMs),
      `${outcome.probeRequests} requests sent while waiting`,
    ],
  ];
}

const describe = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ') || 'none';
