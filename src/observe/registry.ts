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
 * The `Content-Type` of a Prometheus text exposition.
 *
 * @example
 * ```ts
 * import { PROMETHEUS_CONTENT_TYPE } from "@esikit/esi/metrics";
 * new Response("", { headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE } });
 * ```
 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const OTHER = "other";

/** A level of the series trie: one label's values, leading to the next label or the series. */
type Trie<T> = Map<string, Trie<T> | Entry<T>>;

interface Entry<T> {
  values: string[];
  data: T;
}

/**
 * Series keyed by their label values, bounded as {@link MetricOptions} says.
 * A trie of maps, one level per label: a lookup builds no key string.
 */
class SeriesMap<T> {
  readonly labelNames: readonly string[];
  #root: Trie<T> = new Map();
  readonly #entries: Entry<T>[] = [];
  readonly #maxSeries: number;
  readonly #overflow: readonly boolean[];
  readonly #create: () => T;

  constructor(
    labelNames: readonly string[],
    maxSeries: number,
    overflowLabels: readonly string[] | undefined,
    create: () => T,
  ) {
    this.labelNames = labelNames;
    this.#maxSeries = maxSeries;
    this.#overflow = labelNames.map((n) => !overflowLabels || overflowLabels.includes(n));
    this.#create = create;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The series of a label set, created when new (or its overflow series). */
  get(labels: Readonly<Record<string, string | number>> | undefined): T {
    const names = this.labelNames;
    const last = names.length - 1;
    if (last < 0) return (this.#entries[0] ?? this.#insert([])).data;
    let node = this.#root;
    for (let i = 0; i < last; i++) {
      const next = node.get(valueOf(labels, names[i])) as Trie<T> | undefined;
      if (!next) return this.#miss(labels);
      node = next;
    }
    const entry = node.get(valueOf(labels, names[last])) as Entry<T> | undefined;
    return entry ? entry.data : this.#miss(labels);
  }

  find(labels: Readonly<Record<string, string | number>> | undefined): T | undefined {
    if (this.labelNames.length === 0) return this.#entries[0]?.data;
    let node: Trie<T> | Entry<T> | undefined = this.#root;
    for (const name of this.labelNames) {
      node = (node as Trie<T>).get(String(labels?.[name] ?? ""));
      if (!node) return undefined;
    }
    return (node as Entry<T>).data;
  }

  entries(): readonly Entry<T>[] {
    return this.#entries;
  }

  clear(): void {
    this.#root = new Map();
    this.#entries.length = 0;
  }

  /** A label set not seen yet: created, or folded into an overflow series. */
  #miss(labels: Readonly<Record<string, string | number>> | undefined): T {
    const values = this.labelNames.map((name) => valueOf(labels, name));
    const existing = this.#lookup(values);
    if (existing) return existing.data;
    if (this.size < this.#maxSeries) return this.#insert(values).data;
    const folded = values.map((v, i) => this.#overflow[i] ? OTHER : v);
    const foldedEntry = this.#lookup(folded);
    if (foldedEntry) return foldedEntry.data;
    if (this.size < 2 * this.#maxSeries) return this.#insert(folded).data;
    const all = values.map(() => OTHER);
    return (this.#lookup(all) ?? this.#insert(all)).data;
  }

  #lookup(values: readonly string[]): Entry<T> | undefined {
    if (values.length === 0) return this.#entries[0];
    let node: Trie<T> | Entry<T> | undefined = this.#root;
    for (const value of values) {
      node = (node as Trie<T>).get(value);
      if (!node) return undefined;
    }
    return node as Entry<T>;
  }

  #insert(values: string[]): Entry<T> {
    const entry: Entry<T> = { values, data: this.#create() };
    if (values.length > 0) {
      let node = this.#root;
      for (let i = 0; i < values.length - 1; i++) {
        let next = node.get(values[i]) as Trie<T> | undefined;
        if (!next) node.set(values[i], next = new Map());
        node = next;
      }
      node.set(values[values.length - 1], entry);
    }
    this.#entries.push(entry);
    return entry;
  }
}

function valueOf(
  labels: Readonly<Record<string, string | number>> | undefined,
  name: string,
): string {
  const value = labels?.[name];
  if (typeof value === "string") return value;
  if (value === undefined) {
    throw new TypeError(`Cannot record a sample: label "${name}" is missing`);
  }
  return String(value);
}

function labelsOf<L extends string>(names: readonly string[], values: string[]): Record<L, string> {
  const out: Record<string, string> = {};
  names.forEach((n, i) => out[n] = values[i]);
  return out as Record<L, string>;
}

function matches(
  names: readonly string[],
  values: string[],
  filter: Readonly<Record<string, string | number | undefined>> | undefined,
): boolean {
  if (!filter) return true;
  for (let i = 0; i < names.length; i++) {
    const want = filter[names[i]];
    if (want !== undefined && String(want) !== values[i]) return false;
  }
  return true;
}

/**
 * A number as the exposition format writes it.
 *
 * @param value The number.
 * @returns Its text: `+Inf`, `-Inf`, `NaN`, or the shortest decimal.
 * @example
 * ```ts
 * import { formatSampleValue } from "@esikit/esi/metrics";
 * formatSampleValue(Infinity); // "+Inf"
 * ```
 */
export function formatSampleValue(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return Number.isNaN(value) ? "NaN" : String(value);
}

// A lone surrogate is not valid UTF-8; the exposition must be.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Escapes a label value: backslash, double quote and line feed.
 *
 * @param value The raw value.
 * @returns The value as it goes between the quotes.
 * @example
 * ```ts
 * import { escapeLabelValue } from "@esikit/esi/metrics";
 * escapeLabelValue('a "b"\n'); // 'a \\"b\\"\\n'
 * ```
 */
export function escapeLabelValue(value: string): string {
  if (!/[\\"\n\uD800-\uDFFF]/.test(value)) return value;
  return value.replace(loneSurrogate, "\uFFFD").replace(
    /[\\"\n]/g,
    (c) => c === "\n" ? "\\n" : `\\${c}`,
  );
}

function escapeHelp(help: string): string {
  return help.replace(loneSurrogate, "\uFFFD").replace(
    /[\\\n]/g,
    (c) => c === "\n" ? "\\n" : "\\\\",
  );
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  if (names.length === 0 && !extra) return "";
  const parts = names.map((n, i) => `${n}="${escapeLabelValue(values[i])}"`);
  if (extra) parts.push(extra);
  return `{${parts.join(",")}}`;
}

function checkOptions<L extends string>(
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

/** The exposition of a counter or a gauge: its header, then one line per series. */
function scalarText(
  name: string,
  help: string,
  type: "counter" | "gauge",
  labelNames: readonly string[],
  series: Iterable<{ values: readonly string[]; data: { value: number } }>,
): string {
  let out = header(name, help, type);
  for (const { values, data } of series) {
    out += `${name}${labelText(labelNames, values)} ${formatSampleValue(data.value)}\n`;
  }
  return out;
}

function header(name: string, help: string, type: MetricType): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

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
