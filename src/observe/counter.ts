/**
 * The counter metric: a value that only goes up.
 *
 * @module
 */

import { scalarText } from "./exposition.ts";
import { checkOptions, type Labels, type MetricOptions, type Sample } from "./metric_options.ts";
import { labelsOf, matches, SeriesMap } from "./series.ts";

/**
 * A value that only goes up: calls, bytes, seconds waited.
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "@esikit/esi/metrics";
 * const registry = new MetricsRegistry();
 * const hits = registry.counter({ name: "app_hits_total", help: "Hits.", labelNames: ["route"] });
 * hits.inc({ route: "/status" });
 * hits.get({ route: "/status" }); // 1
 * ```
 */
export class Counter<L extends string = never> {
  /** The metric's name. */
  readonly name: string;
  /** Its help text. */
  readonly help: string;
  /** Always `"counter"`. */
  readonly type: "counter" = "counter";
  /** Its label names. */
  readonly labelNames: readonly L[];
  readonly #series: SeriesMap<{ value: number }>;

  /**
   * Defines a counter; {@link MetricsRegistry.counter} defines and registers one.
   *
   * @param options The name, help and labels.
   */
  constructor(options: MetricOptions<L>) {
    const { labelNames, maxSeries } = checkOptions("counter", options);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = labelNames;
    this.#series = new SeriesMap(labelNames, maxSeries, options.overflowLabels, () => ({
      value: 0,
    }));
    // A counter without labels exists from the start, at 0.
    if (labelNames.length === 0) this.#series.get(undefined);
  }

  /**
   * Adds 1.
   *
   * @param labels The series' label values.
   */
  inc(labels?: Labels<L>): void {
    this.#series.get(labels).value++;
  }

  /**
   * Adds a value.
   *
   * @param value A finite number, 0 or more.
   * @param labels The series' label values.
   * @throws {RangeError} When the value is negative or not finite.
   */
  add(value: number, labels?: Labels<L>): void {
    if (!(value >= 0) || value === Infinity) {
      throw new RangeError(`Cannot add ${value} to counter "${this.name}": counters only go up`);
    }
    this.#series.get(labels).value += value;
  }

  /**
   * The value of one series (0 when it has none).
   *
   * @param labels The series' label values.
   * @returns Its value.
   */
  get(labels?: Labels<L>): number {
    return this.#series.find(labels)?.value ?? 0;
  }

  /**
   * The sum over every series whose labels match a filter.
   *
   * @param filter The label values to match; those left out match any.
   * @returns The sum.
   */
  sum(filter?: Partial<Labels<L>>): number {
    let total = 0;
    for (const { values, data } of this.#series.entries()) {
      if (matches(this.labelNames, values, filter)) total += data.value;
    }
    return total;
  }

  /**
   * Every series and its value.
   *
   * @returns The series, in the order they appeared.
   */
  samples(): Sample<L>[] {
    return [...this.#series.entries()].map(({ values, data }) => ({
      labels: labelsOf<L>(this.labelNames, values),
      value: data.value,
    }));
  }

  /** Forgets every series (a counter without labels goes back to 0). */
  reset(): void {
    this.#series.clear();
    if (this.labelNames.length === 0) this.#series.get(undefined);
  }

  /**
   * The metric in the text exposition format.
   *
   * @returns `# HELP`, `# TYPE` and one line per series.
   */
  toPrometheus(): string {
    return scalarText(this.name, this.help, "counter", this.labelNames, this.#series.entries());
  }
}
