import { afterAll, describe, expect, it } from 'vitest';
import { runScenarios, type Sizes } from '../../../bench/scenarios/all.js';
import { operatorNodeFlags, startBench } from '../../../bench/support/bench-operator.js';
import { formatReport, type BenchReport } from '../../../bench/support/report.js';
import { useE2eEnvironment } from '../../e2e/support/e2e-environment.js';

/**
 * The benchmark in miniature, so that it cannot rot: every scenario runs and
 * its figures are consistent. Correctness only; no timing is asserted.
 */
const SMALL: Sizes = { sequential: 2, burst: 4, idleIntercepts: 2, idleSeconds: 2, scale: 5 };

describe('npm run bench, in miniature', () => {
  const environment = useE2eEnvironment({ stopOperators: 'afterAll' });
  let stop: (() => Promise<void>) | undefined;
  afterAll(async () => await stop?.());

  it('measures every scenario on the local control plane', async () => {
    const bench = await startBench({
      admin: environment.admin(),
      node: environment.node,
      access: environment.access(),
      auditLogPath: environment.controlPlane.auditLogPath,
    });
    stop = () => bench.stop();

    const results = await runScenarios(bench, SMALL);

    expect(results.latency.establishMs.count).toBe(2);
    expect(results.latency.removeMs.count).toBe(2);
    for (const value of [results.latency.establishMs.p50, results.latency.removeMs.max])
      expect(Number.isFinite(value) && value > 0).toBe(true);
    // The requests the operator made, seen by the API server, for the steps every intercept has.
    expect(results.latency.establishRequests.byVerbAndResource).toMatchObject({
      'patch pods': expect.any(Number),
      'get pods/exec': expect.any(Number),
      'update configmaps': expect.any(Number),
      'patch interceptrequests/status': expect.any(Number),
    });
    expect(results.latency.removeRequests.total).toBeGreaterThan(0);
    expect(results.burst).toMatchObject({ requests: 4, failed: 0, distinctProxyPorts: 4 });
    expect(results.scale.activeIntercepts).toBe(5);
    expect(results.scale.residentMiB).toBeGreaterThan(0);
    expect(results.scale.peakResidentMiB).toBeGreaterThanOrEqual(results.scale.residentMiB);
    expect(results.scale.takeUpApiRequests).toBeGreaterThan(0);
    expect(results.idle.activeIntercepts).toBe(2);
    expect(Number.isFinite(results.idleAtScale.apiRequestsPerMinute)).toBe(true);

    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: { cores: 2, memoryGiB: 24, node: process.version, kubernetes: environment.controlPlane.version },
      sizes: SMALL,
      operatorNodeFlags: operatorNodeFlags(),
      ...results,
    };
    const printed = formatReport(report);
    expect(printed).toMatch(
      /^intercept latency, create -> established +p50 \d+ ms, p95 \d+ ms, max \d+ ms +2 sequential$/m,
    );
    expect(printed).toMatch(/^burst: all established +\d+ ms +4 at once, 0 failed, 4 distinct proxy ports$/m);
    expect(JSON.parse(/^BENCH_RESULT (.*)$/m.exec(printed)?.[1] ?? 'null')).toEqual(report);
  }, 600_000);
});
