/**
 * A short history of snapshots, per instance: a ring buffer the status page
 * draws its charts from. It is recorded lazily: the page, `/status.json` and
 * a `/metrics` scrape take a reading when the interval has passed, so an open
 * page or a Prometheus scraper keeps it going. It needs no timer (a Worker
 * runs none outside a request) and costs the proxied requests nothing: an
 * extra middleware on every request cost a cache hit ~1 µs (2–5 %). The
 * shared error budget is read from the store at each reading, without
 * holding the request that took it.
 *
 * @module
 */

import type { ErrorBudget, ErrorBudgetStore } from "../../src/limits/error_limit.ts";
import type { Snapshot } from "./snapshot.ts";

/** A snapshot with the shared budget as the store held it then. */
export interface HistoryPoint extends Snapshot {
  /** The shared error budget (once read; `null` when the store had none or failed). */
  shared?: ErrorBudget | null;
}

/** Options of {@link History}. */
export interface HistoryOptions {
  /** Reads the registry at a time. */
  take: (at: number) => Snapshot;
  /** The least time between two readings, in milliseconds. */
  intervalMs: number;
  /**
   * How many readings are kept.
   * @default 180 (15 minutes at the default 5 s)
   */
  capacity?: number;
  /** Where the shared error budget is read from, when the gateway has one. */
  budgetStore?: ErrorBudgetStore;
  /**
   * Bounds a store read: resolves with its value or rejects past the deadline.
   * @default the read as it is
   */
  deadline?: <T>(work: Promise<T>) => Promise<T>;
}

/**
 * The ring buffer of readings.
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "../../src/observe/registry.ts";
 * import { History } from "./history.ts";
 * import { takeSnapshot } from "./snapshot.ts";
 * const registry = new MetricsRegistry();
 * const history = new History({ take: (at) => takeSnapshot(registry, at), intervalMs: 5_000 });
 * history.tick(Date.now());
 * history.points().length; // 1
 * ```
 */
export class History {
  readonly #take: (at: number) => Snapshot;
  readonly #intervalMs: number;
  readonly #ring: (HistoryPoint | undefined)[];
  readonly #store?: ErrorBudgetStore;
  readonly #deadline: <T>(work: Promise<T>) => Promise<T>;
  #next = 0;
  #size = 0;
  #dueAt = -Infinity;

  /** @param options What to read, how often, how many to keep, and the budget's store. */
  constructor(options: HistoryOptions) {
    this.#take = options.take;
    this.#intervalMs = options.intervalMs;
    this.#ring = new Array(Math.max(2, options.capacity ?? 180));
    this.#store = options.budgetStore;
    this.#deadline = options.deadline ?? ((work) => work);
  }

  /** The least time between two readings, in milliseconds. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * Takes a reading when the interval has passed since the last one.
   *
   * @param now The current time, in epoch milliseconds.
   */
  tick(now: number): void {
    if (now >= this.#dueAt) this.record(now);
  }

  /**
   * Takes a reading now.
   *
   * @param now The current time, in epoch milliseconds.
   * @returns The reading (its shared budget arrives later).
   */
  record(now: number): HistoryPoint {
    this.#dueAt = now + this.#intervalMs;
    const point: HistoryPoint = this.#take(now);
    this.#ring[this.#next] = point;
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#size = Math.min(this.#size + 1, this.#ring.length);
    if (this.#store) {
      this.#deadline(this.#store.load()).then(
        (budget) => point.shared = budget ?? null,
        () => point.shared = null,
      );
    }
    return point;
  }

  /**
   * The readings kept, oldest first.
   *
   * @returns The readings.
   */
  points(): HistoryPoint[] {
    const out: HistoryPoint[] = [];
    const start = (this.#next - this.#size + this.#ring.length) % this.#ring.length;
    for (let i = 0; i < this.#size; i++) out.push(this.#ring[(start + i) % this.#ring.length]!);
    return out;
  }
}
