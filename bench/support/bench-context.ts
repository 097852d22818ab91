import type { KubeConfig } from '@kubernetes/client-node';
import type { SimulatedNode } from '../../test/support/control-plane/index.js';
import type { OperatorProcess } from '../../test/e2e/support/operator-process.js';
import { AuditLog } from './audit-log.js';
import { Timeline } from './timeline.js';

/** What every scenario works with: the cluster, the operator process and the instruments. */
export interface BenchContext {
  readonly admin: KubeConfig;
  readonly node: SimulatedNode;
  /** Where the operator lives and InterceptRequests are created. */
  readonly operatorNamespace: string;
  /** Where the target pods run. */
  readonly targetNamespace: string;
  /** The operator's ServiceAccount, as the audit log names it. */
  readonly operatorUser: string;
  readonly audit: AuditLog;
  readonly requests: Timeline;
  readonly pods: Timeline;
  operator(): OperatorProcess;
  /** SIGTERM, then a fresh operator process; resolves once it has started (not yet ready). */
  restartOperator(): Promise<OperatorProcess>;
  progress(line: string): void;
}

export function timelines(
  admin: KubeConfig,
  operatorNamespace: string,
  targetNamespace: string,
): { requests: Timeline; pods: Timeline } {
  return {
    requests: new Timeline(admin, {
      apiVersion: 'gefyra.dev/v1',
      kind: 'InterceptRequest',
      namespace: operatorNamespace,
    }),
    pods: new Timeline(admin, { apiVersion: 'v1', kind: 'Pod', namespace: targetNamespace }),
  };
}

export { AuditLog };
