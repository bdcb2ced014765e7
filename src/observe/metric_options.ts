/**
 * What defines a metric: its options, the shapes of its samples, and the
 * checks a definition passes. Part of the metrics registry (./registry.ts).
 *
 * @module
 */

/** The label values of one series, by label name (numbers are written as text). */
export type Labels<L extends string> = { readonly [K in L]: string | number };

/** The kinds of metric the registry keeps. */
export type MetricType = "counter" | "gauge" | "histogram";

/** What defines a metric. */
export interface MetricOptions<L extends string> {
  /** The metric's name, `[a-zA-Z_:][a-zA-Z0-9_:]*`; counters end in `_total` by convention. */
  name: string;
  /** One line saying what the metric counts, shown as `# HELP`. */
  help: string;
  /**
   * The label names, `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`.
   * @default []
   */
  labelNames?: readonly L[];
  /**
   * The most distinct label sets kept before new ones overflow.
   * @default 1000
   */
  maxSeries?: number;
  /**
   * The labels that read `"other"` in an overflowing label set; keep the
   * remaining labels to small fixed sets. Past twice `maxSeries`, every
   * label reads `"other"`, so a metric never holds more than
   * `2 × maxSeries + 1` series.
   * @default every label
   */
  overflowLabels?: readonly L[];
}

/** What defines a histogram. */
export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /**
   * The upper bounds of the buckets, ascending; `+Inf` is always added.
   * @default defaultBuckets
   */
  buckets?: readonly number[];
}

/** One series of a counter or gauge. */
export interface Sample<L extends string> {
  /** The series' label values. */
  labels: Record<L, string>;
  /** Its value. */
  value: number;
}

/** What one histogram series holds. */
export interface HistogramData {
  /** How many values were observed. */
  count: number;
  /** Their sum. */
  sum: number;
  /** Cumulative counts per bucket, in the order of `buckets`, then `+Inf`. */
  buckets: number[];
}

/** One series of a histogram. */
export interface HistogramSample<L extends string> extends HistogramData {
  /** The series' label values. */
  labels: Record<L, string>;
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Checks a metric's definition; returns its label names and series bound. */
export function checkOptions<L extends string>(
  type: MetricType,
  options: MetricOptions<L>,
): { labelNames: readonly L[]; maxSeries: number } {
  const { name, labelNames = [], maxSeries = 1000, overflowLabels } = options;
  if (!metricName.test(name)) {
    throw new TypeError(`Cannot define metric "${name}": the name is not a valid metric name`);
  }
  const seen = new Set<string>();
  for (const label of labelNames) {
    if (!labelName.test(label) || label.startsWith("__")) {
      throw new TypeError(`Cannot define metric "${name}": label "${label}" is not a valid name`);
    }
    if (type === "histogram" && label === "le") {
      throw new TypeError(`Cannot define histogram "${name}": label "le" is reserved`);
    }
    if (seen.has(label)) {
      throw new TypeError(`Cannot define metric "${name}": label "${label}" is repeated`);
    }
    seen.add(label);
  }
  for (const label of overflowLabels ?? []) {
    if (!seen.has(label)) {
      throw new TypeError(`Cannot define metric "${name}": overflow label "${label}" is no label`);
    }
  }
  if (!Number.isInteger(maxSeries) || maxSeries < 1) {
    throw new RangeError(`Cannot define metric "${name}": maxSeries must be a positive integer`);
  }
  return { labelNames: [...labelNames], maxSeries };
}
