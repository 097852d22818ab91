import { describe, expect, it } from 'vitest';
import { formatBridgesReport, runBridgesBench } from '../../../bench/support/gefyra2-bridges-run.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../../support/control-plane/vitest.js';

/**
 * bench/gefyra2-bridges.ts in miniature, so that it cannot rot: two
 * developers bridge one mount, every figure is there and consistent.
 * Correctness only; no timing is asserted.
 */
describe('bench/gefyra2-bridges.ts, in miniature', () => {
  const controlPlane = useControlPlane();
  const node = useSimulatedNode();
  const gefyra = useTestNamespace('bench-bridges');
  const shop = useTestNamespace('bench-shop');

  it('mounts, bridges, routes, unbridges and unmounts on the simulated node', async () => {
    const result = await runBridgesBench(
      { admin: controlPlane.adminKubeConfig(), node, namespace: gefyra.name, workloadNamespace: shop.name },
      { bridges: 2 },
    );

    expect(result).toMatchObject({ bridges: 2, replicas: 2 });
    for (const summary of [
      result.bridgeCreateToActiveMs,
      result.bridgeCreateToRoutedMs,
      result.bridgeCreateToFirstPodRoutedMs,
      result.bridgeDeleteToShadowMs,
      result.bridgeDeleteToGoneMs,
    ]) {
      expect(summary.count).toBe(2);
      expect(Number.isFinite(summary.p50) && summary.p50 >= 0).toBe(true);
    }
    // Every pod routes the bridge only once some pod does.
    expect(result.bridgeCreateToRoutedMs.max).toBeGreaterThanOrEqual(result.bridgeCreateToFirstPodRoutedMs.max);
    expect(result.mountCreateToActiveMs).toBeGreaterThan(0);
    expect(result.unmountMs).toBeGreaterThan(0);
    // Each bridge is pushed into both original pods at least once, the last with both bridges in it.
    expect(result.pushes.perBridgeCreate).toBeGreaterThanOrEqual(2);
    expect(result.pushes.withAllBridgesMs.count).toBeGreaterThanOrEqual(2);
    expect(result.pushes.configBytesWithAllBridges).toBeGreaterThan(0);
    expect(result.memory.withAllBridges.residentMiB).toBeGreaterThan(0);

    const printed = formatBridgesReport(result);
    expect(printed).toMatch(/^bridge create -> routed to the developer \(every pod\) +p50 \d+ ms, p95 \d+ ms/m);
    expect(JSON.parse(/^BENCH_GEFYRA2_BRIDGES (.*)$/m.exec(printed)?.[1] ?? 'null')).toEqual(result);
  }, 300_000);
});
