import { beforeEach, describe, expect, it } from 'vitest';
import type { ExecRequest } from '../support/control-plane/index.js';
import { useE2eEnvironment } from './support/e2e-environment.js';
import {
  clientRequestName,
  createInterceptRequest,
  deleteInterceptRequest,
  statusOf,
  waitForEstablished,
  waitForPhase,
  type InterceptTarget,
} from './support/intercept-requests.js';
import { ExecTripwire } from './support/exec-tripwire.js';
import { containerStatusOf, createTargetPod, readPod } from './support/target-pods.js';

// Issue 10: with the real scripts one exec that reported a failure after it
// had run made the operator repeat Carrier's configuration, and nginx refused
// every reload from then on. Here the simulated node runs the scripts with
// their real (append-only) semantics and loses the outcome of one exec.
// Every test starts its own operator on the bare installation, with its own
// target namespace, so each passes alone and in any order.
describe('Carrier steps whose exec outcome is lost', () => {
  const tripwire = new ExecTripwire();
  const env = useE2eEnvironment({ freshComponents: true, handlers: [tripwire.handle] });

  beforeEach(async () => {
    env.cleanup(() => tripwire.disarm());
    const operator = await env.startOperator();
    await operator.ready({ what: 'the init phase to complete' });
  });

  /** Matches an exec request or a record of the exec log: the script run in the target container. */
  const inTarget =
    (target: InterceptTarget, script: string) =>
    (exec: Pick<ExecRequest, 'namespace' | 'pod' | 'container' | 'command'>) =>
      exec.namespace === target.namespace &&
      exec.pod === target.pod &&
      exec.container === target.container &&
      exec.command[2] === script;

  const scriptRuns = (target: InterceptTarget, script: string): number =>
    env.node.execLog.filter(inTarget(target, script)).length;

  async function interceptWithLostOutcome(
    podName: string,
    script: string,
    outcome: Parameters<typeof env.node.failExecAfterRunning>[1],
  ) {
    const namespace = await env.testNamespace('carrier-steps');
    const target: InterceptTarget = { namespace, pod: podName, container: 'web' };
    await createTargetPod(env.admin(), env.node, { namespace, name: podName });
    env.node.failExecAfterRunning(inTarget(target, script), outcome);
    const name = clientRequestName(target);
    await createInterceptRequest(env.admin(), target);
    await waitForEstablished(env.admin(), name);
    const request = await waitForPhase(env.admin(), name, 'Established');
    const carrier = env.components.carrier.configurationOf({
      namespace: target.namespace,
      name: target.pod,
      container: 'web',
    });
    return { target, name, request, carrier };
  }

  it('setprobe.sh reports a failure after it had run: established, with one upstream block per port', async () => {
    const { target, name, request, carrier } = await interceptWithLostOutcome('web-probe-lost', 'setprobe.sh', {
      exitCode: 1,
      stderr: 'error: unable to upgrade connection: EOF\n',
    });

    expect(request['established']).toBe(true);
    expect(statusOf(request)).not.toHaveProperty('failingStep');
    expect(carrier?.routes.map((route) => route.containerPort)).toEqual([8080]);
    expect(carrier?.probePorts).toEqual([8081]);
    expect(carrier?.configText.split('upstream stowaway-8080 ').length).toBe(2);
    expect(carrier?.configText.split('listen 8081 default;').length).toBe(2);
    expect(scriptRuns(target, 'setroute.sh')).toBe(1);
    expect(scriptRuns(target, 'setprobe.sh')).toBe(1);
    await deleteInterceptRequest(env.admin(), name);
  });

  it('the connection drops after setroute.sh ran: settled by reading the config, the script is not run again', async () => {
    const { target, name, carrier } = await interceptWithLostOutcome('web-route-lost', 'setroute.sh', {
      exitCode: 1,
      stderr: 'error: error reading from error stream: websocket: close 1006 (abnormal closure)\n',
    });

    expect(carrier?.configText.split('upstream stowaway-8080 ').length).toBe(2);
    expect(scriptRuns(target, 'setroute.sh')).toBe(1);
    await deleteInterceptRequest(env.admin(), name);
  });

  it('a config the scripts cannot repair: Carrier is restarted clean and the new container configured once', async () => {
    const target: InterceptTarget = {
      namespace: await env.testNamespace('carrier-steps'),
      pod: 'web-broken',
      container: 'web',
    };
    await createTargetPod(env.admin(), env.node, { namespace: target.namespace, name: target.pod });
    // Just before the operator first reads Carrier's config, 8080 gets routed twice (as an older operator did): nginx refuses every reload.
    let broken: string | undefined;
    const breaking = tripwire.arm(
      (request) => request.pod === target.pod && request.container === 'web' && request.command[0] === 'cat',
      (request) => {
        broken = request.podObject.containerStatuses.find((status) => status.name === 'web')?.containerID;
        const setRoute = { ...request, command: ['/bin/busybox', 'sh', 'setroute.sh', '8080', 'elsewhere:10000'] };
        // Carrier answers setroute.sh synchronously: the config is broken before the operator's `cat` is answered.
        void env.components.carrier.handle(setRoute);
        void env.components.carrier.handle(setRoute);
      },
    );
    const name = clientRequestName(target);
    await createInterceptRequest(env.admin(), target);
    await breaking;
    await waitForEstablished(env.admin(), name);
    const request = await waitForPhase(env.admin(), name, 'Established');

    const pod = await readPod(env.admin(), target.namespace, target.pod);
    expect(broken).toBeDefined();
    expect(containerStatusOf(pod, 'web')?.containerID).not.toBe(broken);
    // The image swap, then the clean restart.
    expect(containerStatusOf(pod, 'web')?.restartCount).toBe(2);
    const carrier = env.components.carrier.configurationOf({
      namespace: target.namespace,
      name: target.pod,
      container: 'web',
    });
    expect(carrier?.configText.split('upstream stowaway-8080 ').length).toBe(2);
    expect(carrier?.configText).not.toContain('elsewhere');
    expect(carrier?.probePorts).toEqual([8081]);
    expect(statusOf(request)).not.toHaveProperty('failingStep');
    await deleteInterceptRequest(env.admin(), name);
  });
});
