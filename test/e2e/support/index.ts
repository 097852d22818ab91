// The e2e toolkit without any vitest import, for the benchmarks (bench/) and
// scripts run with `npx tsx`. Test files add ./e2e-environment.js (hooks).
export {
  installOperatorAccess,
  removeOperatorInstallation,
  isEstablished,
  OPERATOR_NAME,
  OPERATOR_NAMESPACE,
  type OperatorAccess,
  type OperatorAccessOptions,
  type RbacRule,
} from './operator-access.js';
export {
  killAllOperatorProcesses,
  liveOperatorProcesses,
  runOperatorCommand,
  startOperatorProcess,
  stopAllOperatorProcesses,
  type CommandResult,
  type OperatorLogLine,
  type OperatorProcess,
  type OperatorProcessOptions,
  type ProcessExit,
  type WaitOptions,
} from './operator-process.js';
export {
  clientRequestName,
  createInterceptRequest,
  deleteAllInterceptRequests,
  deleteInterceptRequest,
  INTERCEPT_REQUEST,
  statusOf,
  waitForEstablished,
  waitForPhase,
  waitForRequest,
  waitForRequestGone,
  type CreateRequestOptions,
  type InterceptTarget,
  type RequestStatus,
} from './intercept-requests.js';
export { containerSpecOf, containerStatusOf, createTargetPod, isReady, readPod, runsImage, webContainer, type TargetPodOptions } from './target-pods.js';
export { recordObjects, waitForGone, waitForObject, waitForObjects, type ObjectRecorder, type WaitForOptions } from './cluster-waits.js';
export { componentRefs, GefyraState, type OperatorEventView } from './gefyra-state.js';
export { ExecTripwire } from './exec-tripwire.js';
export { auditEntriesSince, auditMark, type AuditEntry } from './audit-trail.js';
export { readTable, type TableView } from './table-view.js';
