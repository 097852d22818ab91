import { describe, expect, it } from 'vitest';
import type { ExecCall } from '../../../../src/adapters/in-memory/exec-handler.js';
import { DomainError } from '../../../../src/domain/errors.js';
import type { SimulatedOperator } from '../../../support/simulated-cluster/simulated-operator.js';
import { servicesOf } from '../../../support/simulated-cluster/simulated-operator.js';
import {
  addTarget,
  bootedOperator,
  createRequest,
  readRequest,
  REQUEST,
  signal,
  TARGET,
} from '../../../support/scenario.js';

/**
 * Carrier's scripts only append (docs/gefyra-components.md, Carrier): each must
 * run at most once per container instance, however its exec ends. The target
 * serves 8080 (routed) with an HTTP probe on 8081 (answered by Carrier).
 */
const runs = (script: string) => (call: ExecCall) => call.container === 'web' && call.command[2] === script;

/**
 * Reconciles pass after pass, advancing the clock over requeues: until the
 * request is established (failed passes are retried, as the work queue would,
 * without its delays), or until a pass fails (its error is returned).
 */
async function reconcileUntil(
  operator: SimulatedOperator,
  goal: 'established' | 'failure',
  maxPasses = 12,
): Promise<unknown> {
  for (let pass = 1; pass <= maxPasses; pass++) {
    try {
      const result = await servicesOf(operator).intercepts.reconcile(REQUEST, signal);
      if (goal === 'established' && result.done && (await readRequest(operator))?.['established'] === true)
        return undefined;
      operator.clock.advance(result.done ? 1000 : result.requeueAfterMs);
    } catch (error) {
      if (goal === 'failure') return error;
      operator.clock.advance(1000);
    }
  }
  throw new Error(
    `no ${goal} after ${maxPasses} passes; status: ${JSON.stringify((await readRequest(operator))?.['status'])}`,
  );
}

const reconcileUntilEstablished = (operator: SimulatedOperator) => reconcileUntil(operator, 'established');
const reconcileUntilFailure = (operator: SimulatedOperator) => reconcileUntil(operator, 'failure');

function scriptRuns(operator: SimulatedOperator, script: string): number {
  return operator.cluster.execLog.filter((entry) => entry.container === 'web' && entry.command[2] === script).length;
}

function expectOneBlockPerPort(operator: SimulatedOperator): void {
  const configuration = operator.carrier.configurationOf(TARGET);
  expect(configuration?.routes.map((route) => route.containerPort)).toEqual([8080]);
  expect(configuration?.probePorts).toEqual([8081]);
  const text = configuration?.configText ?? '';
  expect(text.split('upstream stowaway-8080 ').length - 1).toBe(1);
  expect(text.split('listen 8081 default;').length - 1).toBe(1);
}

async function interceptedOperator(): Promise<SimulatedOperator> {
  const operator = await bootedOperator();
  addTarget(operator);
  await createRequest(operator, { portMappings: ['8080:8000'] });
  return operator;
}

describe('Carrier steps: at most once per container instance', () => {
  it('the issue: setprobe.sh reports a failure after it had in fact run; the intercept is established with one block per port', async () => {
    const operator = await interceptedOperator();
    operator.cluster.failExecAfterRunning(runs('setprobe.sh'), {
      exitCode: 1,
      stderr: 'error: unable to upgrade connection: EOF\n',
    });

    await reconcileUntilEstablished(operator);

    expectOneBlockPerPort(operator);
    expect(scriptRuns(operator, 'setroute.sh')).toBe(1);
    expect(scriptRuns(operator, 'setprobe.sh')).toBe(1);
  });

  it.each<[string, (operator: SimulatedOperator) => void]>([
    [
      'settles a dropped connection after setroute.sh by reading the config, not by running it again',
      (operator) =>
        operator.cluster.failExecAfterRunning(
          runs('setroute.sh'),
          new DomainError('Unavailable', 'connection reset by peer'),
        ),
    ],
    [
      'runs a script again when the config shows it never ran (the exec failed before reaching Carrier)',
      (operator) =>
        operator.cluster.failNext(
          'exec',
          new DomainError('Unavailable', 'connection refused'),
          ([, command]) => (command as string[])[2] === 'setroute.sh',
        ),
    ],
  ])('%s', async (_title, fault) => {
    const operator = await interceptedOperator();
    fault(operator);

    await reconcileUntilEstablished(operator);

    expectOneBlockPerPort(operator);
    expect(scriptRuns(operator, 'setroute.sh')).toBe(1);
  });

  it('restarts Carrier to start clean when its config cannot be repaired, and configures the new container once', async () => {
    const operator = await interceptedOperator();
    // The first pass stops where it would read Carrier's config ...
    operator.cluster.failNext(
      'exec',
      new DomainError('Unavailable', 'connection refused'),
      ([, command]) => (command as string[])[0] === 'cat',
    );
    expect(await reconcileUntilFailure(operator)).toMatchObject({ kind: 'Unavailable' });
    // ... and meanwhile 8080 was routed twice in this container (an older operator did that): every reload fails from now on.
    const upstream = 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000';
    const setRoute = ['/bin/busybox', 'sh', 'setroute.sh', '8080', upstream];
    expect((await operator.cluster.exec(TARGET, setRoute, signal)).exitCode).toBe(0);
    expect((await operator.cluster.exec(TARGET, setRoute, signal)).stderr).toContain(
      'duplicate upstream "stowaway-8080"',
    );
    const broken = operator.cluster.containerIdOf(TARGET);
    operator.cluster.clearExecLog();

    await reconcileUntilEstablished(operator);

    expect(operator.cluster.containerIdOf(TARGET)).not.toBe(broken);
    expectOneBlockPerPort(operator);
    expect(scriptRuns(operator, 'setroute.sh')).toBe(1);
    expect((await readRequest(operator))?.['status']).not.toHaveProperty('failingStep');
  });

  it('says in the status which step keeps failing and how often, and forgets it once the step succeeds', async () => {
    const operator = await interceptedOperator();
    const refused = () => new DomainError('Unavailable', 'error dialing backend: EOF');
    for (let fault = 0; fault < 3; fault++) {
      operator.cluster.failNext('exec', refused(), ([, command]) => (command as string[])[2] === 'setroute.sh');
    }
    for (const attempts of [1, 2, 3]) {
      expect(await reconcileUntilFailure(operator)).toMatchObject({ kind: 'ExecFailed' });
      const status = (await readRequest(operator))?.['status'] as Record<string, unknown>;
      expect(status['failingStep']).toEqual({ step: 'configureCarrier', attempts });
      expect(status['message']).toMatch(
        new RegExp(
          `^step configureCarrier failed \\(attempt ${attempts}, .*setroute.sh 8080\` left no trace .*error dialing backend: EOF`,
        ),
      );
    }

    await reconcileUntilEstablished(operator);

    expect((await readRequest(operator))?.['status']).not.toHaveProperty('failingStep');
    expect(scriptRuns(operator, 'setroute.sh')).toBe(1);
  });
});
