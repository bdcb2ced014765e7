/**
 * A small in-process metrics registry — counters, gauges and histograms —
 * rendered in the Prometheus text exposition format (version 0.0.4). Built
 * on plain JavaScript only, so it runs on every runtime esikit runs on.
 *
 * Label cardinality is bounded per metric: past `maxSeries` distinct label
 * sets, new ones fold into `"other"` series instead of growing memory.
 *
 * @module
 */

import type { HistogramOptions, MetricOptions } from "./metric_options.ts";
import { Counter } from "./counter.ts";
import { Gauge } from "./gauge.ts";
import { Histogram } from "./histogram.ts";

export type {
  HistogramData,
  HistogramOptions,
  HistogramSample,
  Labels,
  MetricOptions,
  MetricType,
  Sample,
} from "./metric_options.ts";
export { escapeLabelValue, formatSampleValue, PROMETHEUS_CONTENT_TYPE } from "./exposition.ts";
export { Counter } from "./counter.ts";
export { Gauge } from "./gauge.ts";
export { defaultBuckets, Histogram } from "./histogram.ts";

/** Any metric the registry holds. */
export type Metric = Counter<string> | Gauge<string> | Histogram<string>;

/**
 * Holds metrics and renders them all in one exposition. Defining a metric
 * whose name is taken returns the existing one when it is the same kind with
 * the same labels (so several producers can share series), and throws
 * otherwise — the exposition never holds two families of one name.
 *
 * @example A worker's own series next to the client's
 * ```ts
 * import { EsiMetrics, MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from "@esikit/esi/metrics";
 *
 * const registry = new MetricsRegistry();
 * const esiMetrics = new EsiMetrics({ registry });
 * const rejected = registry.counter({
 *   name: "worker_rate_limited_total",
 *   help: "Callers refused by the worker's own rate limit.",
 * });
 * rejected.inc();
 * const body = registry.toPrometheus(); // esi_* and worker_* series together
 * new Response(body, { headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE } });
 * esiMetrics.snapshot();
 * ```
 */
export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();
  // Every sample name in use (a histogram takes three), to refuse clashes.
  readonly #sampleNames = new Map<string, string>();

  /**
   * Defines a counter, or returns the one already defined under the name.
   *
   * @param options The name, help and labels.
   * @returns The counter.
   * @throws {TypeError} When the name is taken by another kind or labels.
   */
  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.#define(options, () => new Counter<L>(options)) as Counter<L>;
  }

  /**
   * Defines a gauge, or returns the one already defined under the name.
   *
   * @param options The name, help and labels.
   * @returns The gauge.
   * @throws {TypeError} When the name is taken by another kind or labels.
   */
  gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L> {
    return this.#define(options, () => new Gauge<L>(options)) as Gauge<L>;
  }

  /**
   * Defines a histogram, or returns the one already defined under the name.
   *
   * @param options The name, help, labels and buckets.
   * @returns The histogram.
   * @throws {TypeError} When the name is taken by another kind, labels or buckets.
   */
  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.#define(options, () => new Histogram<L>(options)) as Histogram<L>;
  }

  /**
   * A metric by name.
   *
   * @param name The metric's name.
   * @returns The metric, or `undefined`.
   */
  get(name: string): Metric | undefined {
    return this.#metrics.get(name);
  }

  /**
   * Every metric, in the order defined.
   *
   * @returns The metrics.
   */
  metrics(): Metric[] {
    return [...this.#metrics.values()];
  }

  /** Forgets every series of every metric; the metrics stay defined. */
  reset(): void {
    for (const metric of this.#metrics.values()) metric.reset();
  }

  /**
   * Every metric in the Prometheus text exposition format, version 0.0.4;
   * serve it with {@link PROMETHEUS_CONTENT_TYPE}.
   *
   * @returns The exposition, ending in a line feed.
   */
  toPrometheus(): string {
    let out = "";
    for (const metric of this.#metrics.values()) out += metric.toPrometheus();
    return out;
  }

  #define<L extends string>(
    options: HistogramOptions<L>,
    create: () => Metric,
  ): Metric {
    const made = create();
    const existing = this.#metrics.get(options.name);
    if (existing) {
      if (sameShape(existing, made)) return existing;
      throw new TypeError(
        `Cannot define metric "${options.name}": it is already defined as another ${existing.type} or with other labels`,
      );
    }
    const names = made.type === "histogram"
      ? [made.name, `${made.name}_bucket`, `${made.name}_sum`, `${made.name}_count`]
      : [made.name];
    for (const name of names) {
      const owner = this.#sampleNames.get(name);
      if (owner !== undefined) {
        throw new TypeError(
          `Cannot define metric "${made.name}": its series "${name}" clash with metric "${owner}"`,
        );
      }
    }
    for (const name of names) this.#sampleNames.set(name, made.name);
    this.#metrics.set(made.name, made);
    return made;
  }
}

function sameShape(a: Metric, b: Metric): boolean {
  if (a.type !== b.type || a.labelNames.join() !== b.labelNames.join()) return false;
  return a.type !== "histogram" || a.buckets.join() === (b as Histogram<string>).buckets.join();
}
