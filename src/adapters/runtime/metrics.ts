/**
 * A small Prometheus registry: counters, gauges and histograms with labels,
 * rendered in the text exposition format. Enough for the operator's own
 * figures without a dependency.
 */
type Labels = Readonly<Record<string, string>>;

const labelKey = (labels: Labels): string =>
  Object.keys(labels)
    .sort()
    .map(
      (name) => `${name}="${String(labels[name]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  value(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }

  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} counter`,
      ...[...this.#values].map(([key, value]) => `${this.name}${key ? `{${key}}` : ''} ${value}`),
    ];
  }
}

export class Gauge implements Metric {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    /** The value now; undefined for no sample at all (a figure this replica does not know). */
    readonly collect?: () => number | undefined,
  ) {}

  set(value: number, labels: Labels = {}): void {
    this.#values.set(labelKey(labels), value);
  }

  value(labels: Labels = {}): number {
    return (
      (this.collect && Object.keys(labels).length === 0 ? this.collect() : this.#values.get(labelKey(labels))) ?? 0
    );
  }

  render(): string[] {
    const collected = this.collect?.();
    const values = this.collect ? (collected === undefined ? [] : [['', collected] as const]) : [...this.#values];
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      ...values.map(([key, value]) => `${this.name}${key ? `{${key}}` : ''} ${value}`),
    ];
  }
}

export class Histogram implements Metric {
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(value: number, labels: Labels = {}): void {
    const key = labelKey(labels);
    const series = this.#series.get(key) ?? { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    this.buckets.forEach((bound, index) => {
      if (value <= bound) series.counts[index] = (series.counts[index] ?? 0) + 1;
    });
    series.sum += value;
    series.count += 1;
    this.#series.set(key, series);
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, series] of this.#series) {
      const prefix = key ? `${key},` : '';
      this.buckets.forEach((bound, index) =>
        lines.push(`${this.name}_bucket{${prefix}le="${bound}"} ${series.counts[index]}`),
      );
      lines.push(`${this.name}_bucket{${prefix}le="+Inf"} ${series.count}`);
      lines.push(`${this.name}_sum${key ? `{${key}}` : ''} ${series.sum}`);
      lines.push(`${this.name}_count${key ? `{${key}}` : ''} ${series.count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  readonly #metrics: Metric[] = [];

  register<T extends Metric>(metric: T): T {
    this.#metrics.push(metric);
    return metric;
  }

  render(): string {
    return `${this.#metrics.flatMap((metric) => metric.render()).join('\n')}\n`;
  }
}

/**
 * The operator's figures. A standby replica (`leading` false) says so in
 * `gefyra_operator_leader` and reports no intercept count: only the leader
 * watches the requests, so any figure of its own would be stale.
 */
export function operatorMetrics(
  registry: MetricsRegistry,
  queueDepth: () => number,
  activeIntercepts: () => number,
  leading: () => boolean = () => true,
) {
  return {
    leader: registry.register(
      new Gauge('gefyra_operator_leader', '1 while this replica leads and serves, 0 while it stands by', () =>
        leading() ? 1 : 0,
      ),
    ),
    reconciles: registry.register(
      new Counter('gefyra_operator_reconciles_total', 'Reconciles by controller and result'),
    ),
    errors: registry.register(
      new Counter('gefyra_operator_reconcile_errors_total', 'Failed reconciles by controller and error kind'),
    ),
    queueDepth: registry.register(
      new Gauge('gefyra_operator_queue_depth', 'Keys waiting, scheduled or running', queueDepth),
    ),
    activeIntercepts: registry.register(
      new Gauge(
        'gefyra_operator_active_intercepts',
        'InterceptRequests established now (reported by the leader only)',
        () => (leading() ? activeIntercepts() : undefined),
      ),
    ),
    interceptSeconds: registry.register(
      new Histogram(
        'gefyra_operator_intercept_duration_seconds',
        'Time from a request being seen to established, and from deletion to restored',
        [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      ),
    ),
    residentBytes: registry.register(
      new Gauge(
        'process_resident_memory_bytes',
        'Resident memory of the operator process',
        () => process.memoryUsage().rss,
      ),
    ),
    heapUsedBytes: registry.register(
      new Gauge('nodejs_heap_used_bytes', 'V8 heap in use', () => process.memoryUsage().heapUsed),
    ),
    heapTotalBytes: registry.register(
      new Gauge('nodejs_heap_total_bytes', 'V8 heap reserved, in use or not', () => process.memoryUsage().heapTotal),
    ),
    externalBytes: registry.register(
      new Gauge(
        'nodejs_external_memory_bytes',
        'Memory of native objects held from JavaScript, buffers included',
        () => process.memoryUsage().external,
      ),
    ),
    reconcileSeconds: registry.register(
      new Histogram(
        'gefyra_operator_reconcile_duration_seconds',
        'Duration of one reconcile by controller',
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      ),
    ),
  };
}

export type OperatorMetrics = ReturnType<typeof operatorMetrics>;
