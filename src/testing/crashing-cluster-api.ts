import type { ClusterApi } from '../ports/cluster-api.port.js';
import { watchClusterApiCalls } from './cluster-api-proxy.js';

/** What a crashed process throws: not a DomainError, nothing the operator could handle. */
export class SimulatedCrash extends Error {
  constructor(call: number, method: string) {
    super(`simulated crash before call ${call} (${method})`);
    this.name = 'SimulatedCrash';
  }
}

/**
 * A ClusterApi that dies: calls pass through until call number `crashAt`,
 * which (like every later one) throws instead of reaching the cluster, as if
 * the process had been killed right before it. `calls` counts what went
 * through, so a test can first measure a clean run and then crash at every
 * point of it.
 */
export function crashingClusterApi(
  cluster: ClusterApi,
  crashAt: number = Number.POSITIVE_INFINITY,
): ClusterApi & { readonly calls: number; readonly crashed: boolean } {
  let calls = 0;
  let crashed = false;
  return watchClusterApiCalls(
    cluster,
    (method) => {
      if (crashed || calls + 1 >= crashAt) {
        crashed = true;
        return Promise.reject(new SimulatedCrash(calls + 1, method));
      }
      calls += 1;
      return undefined;
    },
    {
      get calls(): number {
        return calls;
      },
      get crashed(): boolean {
        return crashed;
      },
    },
  );
}
