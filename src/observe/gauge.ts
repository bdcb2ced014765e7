/**
 * The gauge metric: a value that goes up and down.
 *
 * @module
 */

import { scalarText } from "./exposition.ts";
import { checkOptions, type Labels, type MetricOptions, type Sample } from "./metric_options.ts";
import { labelsOf, SeriesMap } from "./series.ts";

/**
 * A value that goes up and down, read as it is now: budget left, items held.
 * A series exists only once it is set: an unknown value is absent, not 0.
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "@esikit/esi/metrics";
 * const registry = new MetricsRegistry();
 * const left = registry.gauge({ name: "app_budget_left", help: "Budget left." });
 * left.set(42);
 * left.get(); // 42
 * ```
 */
export class Gauge<L extends string = never> {
  /** The metric's name. */
  readonly name: string;
  /** Its help text. */
  readonly help: string;
  /** Always `"gauge"`. */
  readonly type: "gauge" = "gauge";
  /** Its label names. */
  readonly labelNames: readonly L[];
  readonly #series: SeriesMap<{ value: number }>;

  /**
   * Defines a gauge; {@link MetricsRegistry.gauge} defines and registers one.
   *
   * @param options The name, help and labels.
   */
  constructor(options: MetricOptions<L>) {
    const { labelNames, maxSeries } = checkOptions("gauge", options);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = labelNames;
    this.#series = new SeriesMap(labelNames, maxSeries, options.overflowLabels, () => ({
      value: 0,
    }));
  }

  /**
   * Sets a value.
   *
   * @param value The value.
   * @param labels The series' label values.
   */
  set(value: number, labels?: Labels<L>): void {
    this.#series.get(labels).value = value;
  }

  /**
   * Adds to a value (a series not yet set starts at 0).
   *
   * @param value The amount; negative to subtract.
   * @param labels The series' label values.
   */
  add(value: number, labels?: Labels<L>): void {
    this.#series.get(labels).value += value;
  }

  /**
   * The value of one series.
   *
   * @param labels The series' label values.
   * @returns Its value, or `undefined` when it was never set.
   */
  get(labels?: Labels<L>): number | undefined {
    return this.#series.find(labels)?.value;
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

  /** Forgets every series. */
  reset(): void {
    this.#series.clear();
  }

  /**
   * The metric in the text exposition format.
   *
   * @returns `# HELP`, `# TYPE` and one line per series.
   */
  toPrometheus(): string {
    return scalarText(this.name, this.help, "gauge", this.labelNames, this.#series.entries());
  }
}
