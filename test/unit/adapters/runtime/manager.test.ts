import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../../../../src/adapters/in-memory/in-memory-cluster.js';
import { InMemoryWatchSource } from '../../../../src/adapters/in-memory/in-memory-watch-source.js';
import {
  KeyInbox,
  type Controller,
  type ControllerWatch,
  type PeriodicKeys,
} from '../../../../src/adapters/runtime/controller.js';
import { FULL_RUNTIME_ACCESS, Manager, type RuntimeAccess } from '../../../../src/adapters/runtime/manager.js';
import { MetricsRegistry, operatorMetrics } from '../../../../src/adapters/runtime/metrics.js';
import { OperatorPhase } from '../../../../src/adapters/runtime/operator-phase.js';
import { ManualClock } from '../../../../src/adapters/system/manual-clock.js';
import { silentLogger } from '../../../../src/adapters/system/pino-logger.js';
import { DomainError } from '../../../../src/domain/errors.js';
import type { LeaderElection } from '../../../../src/domain/leadership/leader-election.js';

const signal = new AbortController().signal;
const CONFIG_MAPS = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns' };

/** A key of a kind the operator does not have yet: what a new resource kind's controller looks like. */
interface TableKey {
  readonly table: string;
}

/** A controller of tables (ConfigMaps here), recording what it reconciles. */
class TableController implements Controller<TableKey> {
  readonly name = 'tables';
  readonly queue = new KeyInbox<TableKey>();
  readonly reconciled: string[] = [];
  readonly watches: ControllerWatch<TableKey>[];
  readonly resyncs: PeriodicKeys<TableKey>[] = [];
  failures = 0;
  atShutdownCalls = 0;
  #ready = true;

  constructor(
    readonly startsWhen: 'leading' | 'installed' = 'leading',
    options: { unwatchedEveryMs?: number; ready?: boolean } = {},
  ) {
    this.#ready = options.ready ?? true;
    this.watches = [
      {
        spec: CONFIG_MAPS,
        keysOf: (event) => [{ table: event.object.metadata.name }],
        ...(options.unwatchedEveryMs
          ? { unwatched: { everyMs: options.unwatchedEveryMs, keys: () => [{ table: 'looked-at' }] } }
          : {}),
      },
    ];
  }

  identify(key: TableKey): string {
    return key.table;
  }

  ready(): boolean {
    return this.#ready;
  }

  async reconcile(key: TableKey): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new DomainError('Unavailable', 'injected');
    }
    this.reconciled.push(key.table);
  }

  async atShutdown(): Promise<void> {
    this.atShutdownCalls += 1;
  }
}

/** A controller that marks the installation ready when it reconciles. */
class Installer implements Controller<'installation'> {
  readonly name = 'installer';
  readonly startsWhen = 'leading';
  readonly queue = new KeyInbox<'installation'>();
  readonly watches = [];
  readonly initialKeys = ['installation' as const];
  constructor(readonly phase: OperatorPhase) {}
  identify(key: 'installation'): string {
    return key;
  }
  ready(): boolean {
    return this.phase.installed;
  }
  async reconcile(): Promise<void> {
    await this.phase.markInstalled();
  }
}

const managers: Manager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stop()));
});

function manage(controllers: Controller<unknown>[], options: { access?: RuntimeAccess; phase?: OperatorPhase } = {}) {
  const clock = new ManualClock();
  const cluster = new InMemoryCluster({ clock, namespaces: ['ns'] });
  const registry = new MetricsRegistry();
  const holder: { manager?: Manager } = {};
  const metrics = operatorMetrics(
    registry,
    () => holder.manager?.queueDepth() ?? 0,
    () => 0,
  );
  const manager = new Manager({
    config: {
      namespace: 'ns',
      identity: 'me',
      leaderElection: false,
      leaseDurationSeconds: 15,
      maxConcurrentReconciles: 1,
    },
    // Without election the manager leads at once and never asks.
    leader: {} as LeaderElection,
    watches: new InMemoryWatchSource(cluster),
    clock,
    logger: silentLogger,
    metrics,
    phase: options.phase ?? new OperatorPhase(),
    controllers,
    access: options.access ?? FULL_RUNTIME_ACCESS,
  });
  holder.manager = manager;
  managers.push(manager);
  const settle = async () => {
    for (let round = 0; round < 5; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      await manager.idle();
    }
  };
  const table = (name: string) =>
    cluster.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' } }, signal);
  return { manager, clock, registry, settle, table };
}

describe('the manager', () => {
  it('runs a registered controller of a new kind: its watch events become its typed keys, counted under its name', async () => {
    const tables = new TableController();
    const { manager, registry, settle, table } = manage([tables]);
    await table('before');
    await manager.start();
    await table('after');
    await settle();

    expect(tables.reconciled).toEqual(['before', 'after']);
    expect(registry.render()).toMatch(/gefyra_operator_reconciles_total\{controller="tables",result="done"\} 2/);
  });

  it('looks at the stand-in keys on the clock where the credentials may not watch the kind', async () => {
    const tables = new TableController('leading', { unwatchedEveryMs: 1000 });
    const { manager, clock, settle, table } = manage([tables], {
      access: { ...FULL_RUNTIME_ACCESS, canWatch: () => false },
    });
    await manager.start();
    await table('unseen');
    await settle();
    expect(tables.reconciled).toEqual([]);

    await clock.advanceAsync(3000);
    await settle();

    // One look a second, for three seconds.
    expect(tables.reconciled).toEqual(['looked-at', 'looked-at', 'looked-at']);
  });

  it('retries a failing key after its backoff on the clock', async () => {
    const tables = new TableController();
    tables.failures = 2;
    const { manager, clock, registry, settle, table } = manage([tables]);
    await manager.start();
    await table('flaky');
    await settle();
    expect(tables.reconciled).toEqual([]);

    await clock.advanceAsync(10_000);
    await settle();

    expect(tables.reconciled).toEqual(['flaky']);
    expect(registry.render()).toMatch(
      /gefyra_operator_reconcile_errors_total\{controller="tables",kind="Unavailable"\} 2/,
    );
  });

  it('starts the controllers that serve the installation only once it is ready', async () => {
    const waiting = new TableController('installed');
    const withoutInstaller = manage([waiting]);
    await withoutInstaller.table('early');
    await withoutInstaller.manager.start();
    await withoutInstaller.settle();
    expect(waiting.reconciled).toEqual([]);

    const phase = new OperatorPhase();
    const serving = new TableController('installed');
    const withInstaller = manage([new Installer(phase), serving], { phase });
    await withInstaller.table('listed');
    await withInstaller.manager.start();
    await withInstaller.settle();

    expect(phase.installed).toBe(true);
    expect(serving.reconciled).toEqual(['listed']);
    expect(withInstaller.manager.ready()).toBe(true);
  });

  it('is ready only when every controller says so', async () => {
    const phase = new OperatorPhase();
    const notReady = new TableController('installed', { ready: false });
    const { manager, settle } = manage([new Installer(phase), notReady], { phase });
    expect(manager.ready()).toBe(false);
    await manager.start();
    await settle();

    expect(phase.installed).toBe(true);
    expect(manager.ready()).toBe(false);
  });

  it('at shutdown asks the controllers to finish only when it was serving', async () => {
    const phase = new OperatorPhase();
    const tables = new TableController();
    const { manager, settle } = manage([new Installer(phase), tables], { phase });
    await manager.start();
    await settle();
    await manager.stop();
    expect(tables.atShutdownCalls).toBe(1);

    const idle = new TableController();
    const notServing = manage([idle]);
    await notServing.manager.start();
    await notServing.manager.stop();
    expect(idle.atShutdownCalls).toBe(0);
    expect(notServing.manager.live()).toBe(false);
  });
});

describe('a controller whose cache never fills', () => {
  it('does not hold up the stop of the manager', async () => {
    const never: Controller<string> = {
      name: 'stuck',
      startsWhen: 'leading',
      queue: new KeyInbox<string>(),
      identify: (key) => key,
      watches: [{ spec: CONFIG_MAPS, keysOf: () => [], primesCache: true }],
      reconcile: async () => undefined,
    };
    const clock = new ManualClock();
    const registry = new MetricsRegistry();
    const manager = new Manager({
      config: {
        namespace: 'ns',
        identity: 'me',
        leaderElection: false,
        leaseDurationSeconds: 15,
        maxConcurrentReconciles: 1,
      },
      leader: {} as LeaderElection,
      // A watch that never delivers its first list (a kind the API server cannot list yet).
      watches: { watch: () => ({ synced: new Promise<void>(() => undefined), stop: async () => undefined }) },
      clock,
      logger: silentLogger,
      metrics: operatorMetrics(
        registry,
        () => 0,
        () => 0,
      ),
      phase: new OperatorPhase(),
      controllers: [never as Controller<unknown>],
    });
    const starting = manager.start();

    await manager.stop();
    await starting;

    expect(manager.live()).toBe(false);
  });
});

describe('a lease renewal still in flight when the manager stops', () => {
  // Seen in the e2e runs with short leases (a tick a second): SIGTERM came
  // while a renewal was on the wire; the renewal came back "leading" after
  // the stop and started every controller again, so the process never exited.
  it('starts nothing again once stopped, and releases the lease after the renewal has landed', async () => {
    const clock = new ManualClock();
    const cluster = new InMemoryCluster({ clock, namespaces: ['ns'] });
    const calls: string[] = [];
    let answerRenewal: ((state: { leading: true }) => void) | undefined;
    const leader = {
      identity: 'me',
      tryLead: async () => {
        calls.push('tryLead');
        if (calls.length === 1) return { leading: true };
        return await new Promise((resolve) => (answerRenewal = resolve));
      },
      release: async () => void calls.push('release'),
    } as unknown as LeaderElection;
    const tables = new TableController();
    const manager = new Manager({
      config: {
        namespace: 'ns',
        identity: 'me',
        leaderElection: true,
        leaseDurationSeconds: 15,
        maxConcurrentReconciles: 1,
      },
      leader,
      watches: new InMemoryWatchSource(cluster),
      clock,
      logger: silentLogger,
      metrics: operatorMetrics(
        new MetricsRegistry(),
        () => 0,
        () => 0,
      ),
      phase: new OperatorPhase(),
      controllers: [tables],
    });
    const settle = async () => {
      for (let round = 0; round < 5; round++) await new Promise((resolve) => setImmediate(resolve));
    };
    await manager.start();
    await settle();
    expect(manager.leading).toBe(true);
    await clock.advanceAsync(5000);
    await settle();
    expect(calls).toEqual(['tryLead', 'tryLead']);

    const stopping = manager.stop();
    await settle();
    answerRenewal?.({ leading: true });
    await stopping;
    await cluster.create(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-stop', namespace: 'ns' } },
      signal,
    );
    await clock.advanceAsync(60_000);
    await settle();

    expect(manager.leading).toBe(false);
    expect(tables.reconciled).not.toContain('after-stop');
    expect(calls).toEqual(['tryLead', 'tryLead', 'release']);
  });
});
