/**
 * A metric's series, keyed by their label values and bounded in number, and
 * the label helpers the metric kinds share. Internal to `src/observe/`.
 *
 * @module
 */

const OTHER = "other";

/** A level of the series trie: one label's values, leading to the next label or the series. */
type Trie<T> = Map<string, Trie<T> | Entry<T>>;

export interface Entry<T> {
  values: string[];
  data: T;
}

/**
 * Series keyed by their label values, bounded as {@link MetricOptions} says.
 * A trie of maps, one level per label: a lookup builds no key string.
 */
export class SeriesMap<T> {
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

export function labelsOf<L extends string>(
  names: readonly string[],
  values: string[],
): Record<L, string> {
  const out: Record<string, string> = {};
  names.forEach((n, i) => out[n] = values[i]);
  return out as Record<L, string>;
}

export function matches(
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
