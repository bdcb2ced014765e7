/**
 * The histogram metric: observed values counted into buckets.
 *
 * @module
 */

import { formatSampleValue, header, labelText } from "./exposition.ts";
import {
  checkOptions,
  type HistogramData,
  type HistogramOptions,
  type HistogramSample,
  type Labels,
} from "./metric_options.ts";
import { labelsOf, matches, SeriesMap } from "./series.ts";

/**
 * Prometheus' default buckets, in seconds.
 *
 * @example
 * ```ts
 * import { defaultBuckets } from "@esikit/esi/metrics";
 * defaultBuckets.length; // 11
 * ```
 */
export const defaultBuckets: readonly number[] = Object.freeze([
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
]);

/**
 * Observed values counted into buckets: durations, sizes.
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "@esikit/esi/metrics";
 * const registry = new MetricsRegistry();
 * const took = registry.histogram({
 *   name: "app_duration_seconds",
 *   help: "How long it took.",
 *   buckets: [0.1, 1, 10],
 * });
 * took.observe(0.42);
 * took.get()?.buckets; // [0, 1, 1, 1]
 * ```
 */
export class Histogram<L extends string = never> {
  /** The metric's name. */
  readonly name: string;
  /** Its help text. */
  readonly help: string;
  /** Always `"histogram"`. */
  readonly type: "histogram" = "histogram";
  /** Its label names. */
  readonly labelNames: readonly L[];
  /** The buckets' upper bounds, without `+Inf`. */
  readonly buckets: readonly number[];
  readonly #series: SeriesMap<{ counts: number[]; sum: number; count: number }>;

  /**
   * Defines a histogram; {@link MetricsRegistry.histogram} defines and registers one.
   *
   * @param options The name, help, labels and buckets.
   */
  constructor(options: HistogramOptions<L>) {
    const { labelNames, maxSeries } = checkOptions("histogram", options);
    const buckets = [...(options.buckets ?? defaultBuckets)];
    for (let i = 0; i < buckets.length; i++) {
      if (!Number.isFinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])) {
        throw new RangeError(
          `Cannot define histogram "${options.name}": buckets must be finite and ascending`,
        );
      }
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = labelNames;
    this.buckets = Object.freeze(buckets);
    const size = buckets.length + 1;
    this.#series = new SeriesMap(labelNames, maxSeries, options.overflowLabels, () => ({
      counts: new Array<number>(size).fill(0),
      sum: 0,
      count: 0,
    }));
    if (labelNames.length === 0) this.#series.get(undefined);
  }

  /**
   * Observes a value.
   *
   * @param value The value; `NaN` is refused.
   * @param labels The series' label values.
   * @throws {RangeError} When the value is `NaN`.
   */
  observe(value: number, labels?: Labels<L>): void {
    if (Number.isNaN(value)) {
      throw new RangeError(`Cannot observe NaN in histogram "${this.name}"`);
    }
    const series = this.#series.get(labels);
    const bounds = this.buckets;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    series.counts[i]++;
    series.sum += value;
    series.count++;
  }

  /**
   * One series' counts.
   *
   * @param labels The series' label values.
   * @returns Its count, sum and cumulative buckets, or `undefined` when it has none.
   */
  get(labels?: Labels<L>): HistogramData | undefined {
    const series = this.#series.find(labels);
    return series && { count: series.count, sum: series.sum, buckets: cumulative(series.counts) };
  }

  /**
   * The count and sum over every series whose labels match a filter.
   *
   * @param filter The label values to match; those left out match any.
   * @returns The count and the sum.
   */
  sum(filter?: Partial<Labels<L>>): { count: number; sum: number } {
    let count = 0;
    let sum = 0;
    for (const { values, data } of this.#series.entries()) {
      if (!matches(this.labelNames, values, filter)) continue;
      count += data.count;
      sum += data.sum;
    }
    return { count, sum };
  }

  /**
   * Every series and its counts.
   *
   * @returns The series, in the order they appeared.
   */
  samples(): HistogramSample<L>[] {
    return [...this.#series.entries()].map(({ values, data }) => ({
      labels: labelsOf<L>(this.labelNames, values),
      count: data.count,
      sum: data.sum,
      buckets: cumulative(data.counts),
    }));
  }

  /** Forgets every series (one without labels goes back to empty). */
  reset(): void {
    this.#series.clear();
    if (this.labelNames.length === 0) this.#series.get(undefined);
  }

  /**
   * The metric in the text exposition format.
   *
   * @returns `# HELP`, `# TYPE`, and per series its `_bucket` lines (`le` up
   *   to `+Inf`), `_sum` and `_count`.
   */
  toPrometheus(): string {
    const { name, labelNames } = this;
    const les = [...this.buckets.map(formatSampleValue), "+Inf"];
    let out = header(name, this.help, "histogram");
    for (const { values, data } of this.#series.entries()) {
      let running = 0;
      for (let i = 0; i < les.length; i++) {
        running += data.counts[i];
        out += `${name}_bucket${labelText(labelNames, values, `le="${les[i]}"`)} ${running}\n`;
      }
      const labels = labelText(labelNames, values);
      out += `${name}_sum${labels} ${formatSampleValue(data.sum)}\n`;
      out += `${name}_count${labels} ${data.count}\n`;
    }
    return out;
  }
}

function cumulative(counts: readonly number[]): number[] {
  let running = 0;
  return counts.map((c) => running += c);
}
