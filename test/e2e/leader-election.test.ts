import { randomBytes } from 'node:crypto';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { describe, expect, it } from 'vitest';
import { useE2eEnvironment } from './support/e2e-environment.js';
import {
  clientRequestName,
  createInterceptRequest,
  deleteInterceptRequest,
  statusOf,
  waitForPhase,
  type InterceptTarget,
} from './support/intercept-requests.js';
import type { OperatorProcess } from './support/operator-process.js';
import { recordObjects, waitForObject } from './support/cluster-waits.js';
import { createTargetPod, readPod } from './support/target-pods.js';

const never = new AbortController().signal;

const LEASE_SECONDS = 3;
const ELECTION_ENV = { GEFYRA_LEADER_ELECTION: 'true', GEFYRA_LEASE_DURATION: String(LEASE_SECONDS) };
const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'gefyra', name: 'gefyra-operator' };

// Scenario 7 of issue 4: two replicas of the operator (a rolling update, or
// one started by mistake): only the leader acts; the other takes over when
// the leader is stopped. Every test starts its own operators on the bare
// installation (no Lease), with its own target namespace, so each passes
// alone and in any order.
describe('two operator processes with leader election', () => {
  const env = useE2eEnvironment({ freshComponents: true });
  const suffix = randomBytes(2).toString('hex');

  /** Running target pods in a namespace of this test. */
  async function runningTargets(...pods: string[]): Promise<InterceptTarget[]> {
    const namespace = await env.testNamespace('leader');
    const targets = pods.map((pod) => ({ namespace, pod, container: 'web' }));
    for (const target of targets) await createTargetPod(env.admin(), env.node, { namespace, name: target.pod });
    return targets;
  }

  /** The first operator leads and has booted; the second stands by, ready. */
  async function leaderAndFollower(): Promise<{ leader: OperatorProcess; follower: OperatorProcess }> {
    const leader = await env.startOperator({ env: ELECTION_ENV, identity: `operator-a-${suffix}` });
    await leader.ready({ what: 'the first operator to lead and boot' });
    const follower = await env.startOperator({ env: ELECTION_ENV, identity: `operator-b-${suffix}` });
    await follower.waitForLog((line) => line.msg === 'another operator leads; standing by', { what: 'standing by' });
    await follower.ready({ what: 'a healthy standby' });
    return { leader, follower };
  }

  /** The holders a record of the Lease's watch events names, in order, each change once ('' when released). */
  const holdersIn = (leases: readonly Manifest[]): string[] =>
    leases
      .filter((lease) => lease.metadata.name === LEASE.name)
      .map((lease) => (lease['spec'] as { holderIdentity?: string | null } | undefined)?.holderIdentity ?? '')
      .filter((current, index, all) => index === 0 || all[index - 1] !== current);

  const holder = async () =>
    (await env.state().find(LEASE))?.['spec'] as { holderIdentity?: string; leaseTransitions?: number } | undefined;
  const eventsBy = async (operator: OperatorProcess) =>
    (await env.state().events()).filter((event) => event.reportingInstance === operator.identity);

  it('only the leader acts; the other stands by, ready, and reconciles nothing', async () => {
    const [first] = (await runningTargets('web-first')) as [InterceptTarget];
    const leader = await env.startOperator({ env: ELECTION_ENV, identity: `operator-a-${suffix}` });
    await leader.ready({ what: 'the first operator to lead and boot' });
    const follower = await env.startOperator({ env: ELECTION_ENV, identity: `operator-b-${suffix}` });
    const standingBy = await follower.waitForLog((line) => line.msg === 'another operator leads; standing by', {
      what: 'standing by',
    });
    expect(standingBy['holder']).toBe(leader.identity);
    await follower.ready({ what: 'a healthy standby' });
    expect((await holder())?.holderIdentity).toBe(leader.identity);

    await createInterceptRequest(env.admin(), first);
    await waitForPhase(env.admin(), clientRequestName(first), 'Established');

    // The Event follows the status write.
    const established = await env
      .state()
      .waitForEvent(
        (event) => event.regarding.name === clientRequestName(first) && event.reason === 'Established',
        'the Established Event',
      );
    expect(established.reportingInstance).toBe(leader.identity);
    expect((await eventsBy(leader)).map((event) => event.reason)).toEqual(
      expect.arrayContaining(['Ready', 'Established']),
    );
    // Each replica says at start how it is configured: without the stamping webhook, that requesters
    // are not stamped (issue 18, item 7). Nothing about any intercept or the installation.
    expect((await eventsBy(follower)).map((event) => event.reason)).toEqual(['RequestersNotStamped']);
    expect(follower.logs.map((line) => line.msg)).not.toEqual(expect.arrayContaining(['leading']));
    expect(follower.logs.filter((line) => line.msg === 'intercept step' || line.msg === 'init phase complete')).toEqual(
      [],
    );
    expect(await env.state().coreEvents('Gefyra-Ready')).toHaveLength(1);
    expect((await holder())?.holderIdentity).toBe(leader.identity);
  });

  it(
    'when the leader gets SIGTERM it releases the lease, the other takes it without waiting for it to expire, ' +
      'keeps the intercept, and serves new requests',
    async () => {
      const targets = await runningTargets('web-first', 'web-second');
      const [first, second] = targets as [InterceptTarget, InterceptTarget];
      const { leader, follower } = await leaderAndFollower();
      await createInterceptRequest(env.admin(), first);
      await waitForPhase(env.admin(), clientRequestName(first), 'Established');
      const podBefore = await readPod(env.admin(), first.namespace, first.pod);
      const transitionsBefore = (await holder())?.leaseTransitions ?? 0;
      const [signalBefore] = await env.state().coreEvents('Gefyra-Ready');
      const leases = recordObjects(env.admin(), {
        apiVersion: LEASE.apiVersion,
        kind: LEASE.kind,
        namespace: LEASE.namespace,
      });
      await leases.synced;

      try {
        expect(await leader.stop()).toEqual({ code: 0, signal: null });
        await follower.waitForLog((line) => line.msg === 'leading', { what: 'the takeover' });
      } finally {
        await leases.stop();
      }
      // "Within the lease time" as a behaviour, not a stopwatch: the follower
      // acquired a lease that was given up (no holder), not one that expired
      // while still naming the old leader.
      expect(leader.logs.map((line) => line.msg)).toContain('released the lease');
      const holders = holdersIn(leases.seen);
      expect(holders.slice(holders.lastIndexOf(leader.identity) + 1)).toEqual(['', follower.identity]);
      await follower.ready({ what: 'the new leader to boot' });
      expect(await holder()).toMatchObject({ holderIdentity: follower.identity });
      expect((await holder())?.leaseTransitions ?? 0).toBeGreaterThanOrEqual(transitionsBefore);
      const signals = await env.state().coreEvents('Gefyra-Ready');
      expect(signals).toHaveLength(1);
      expect(signals[0]?.metadata.name).not.toBe(signalBefore?.metadata.name);

      await createInterceptRequest(env.admin(), second);
      await waitForPhase(env.admin(), clientRequestName(second), 'Established');
      const established = await env
        .state()
        .waitForEvent(
          (event) => event.regarding.name === clientRequestName(second) && event.reason === 'Established',
          'the Established Event',
        );
      expect(established.reportingInstance).toBe(follower.identity);
      // The first intercept was taken up as it stood, not done again.
      expect((await readPod(env.admin(), first.namespace, first.pod)).metadata?.resourceVersion).toBe(
        podBefore.metadata?.resourceVersion,
      );
      expect((await eventsBy(follower)).filter((event) => event.regarding.name === clientRequestName(first))).toEqual(
        [],
      );

      for (const target of targets) await deleteInterceptRequest(env.admin(), clientRequestName(target));
      expect(await env.state().proxyRoutes()).toEqual({});
    },
  );

  // Issue 13, defect 4: the route table lost, then a leader change. The new
  // leader's rebuild handed a port to one request while another's Carrier and
  // Service still used it, and then deleted that live Service.
  it('after the route ConfigMap is deleted, a new leader rebuilds every route on its old port and deletes no live Service', async () => {
    const many = await runningTargets(...[0, 1, 2, 3].map((index) => `web-many-${index}`));
    const leader = await env.startOperator({ env: ELECTION_ENV, identity: `operator-b-${suffix}` });
    await leader.ready({ what: 'the first operator to lead and boot' });
    const successor = await env.startOperator({ env: ELECTION_ENV, identity: `operator-c-${suffix}` });
    await successor.ready({ what: 'a healthy standby' });
    const ports = new Map<string, number>();
    // Created in reverse name order: a rebuild that hands out ports anew (in name order) would give them to others.
    for (const target of [...many].reverse()) {
      await createInterceptRequest(env.admin(), target);
      const request = await waitForPhase(env.admin(), clientRequestName(target), 'Established');
      ports.set(clientRequestName(target), statusOf(request).routes![0]!.proxyPort);
    }
    await env
      .state()
      .api.remove(
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gefyra', name: 'gefyra-stowaway-proxyroutes' },
        never,
      );
    expect(await leader.stop()).toEqual({ code: 0, signal: null });
    await successor.waitForLog((line) => line.msg === 'leading', { what: 'the takeover' });
    await successor.ready({ what: 'the new leader to boot' });

    await waitForObject(
      env.admin(),
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gefyra', name: 'gefyra-stowaway-proxyroutes' },
      (map) => Object.keys((map?.['data'] as object | undefined) ?? {}).length === many.length,
      {
        what: 'every route back in the table',
        timeoutMs: 30_000,
      },
    );
    const table = Object.entries(await env.state().proxyRoutes());
    const services = await env.state().proxyServices();
    for (const [name, port] of ports) {
      expect(
        table.filter(([key, value]) => key.startsWith(`${name}_`) && value.endsWith(`,${port}`)),
        `route of ${name}`,
      ).toHaveLength(1);
      expect(services, `proxy Service of ${name}`).toContain(`gefyra-stowaway-proxy-${port}`);
    }
    for (const target of many) await deleteInterceptRequest(env.admin(), clientRequestName(target));
  });
});
