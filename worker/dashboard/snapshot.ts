/**
 * One reading of the metrics registry behind `/metrics`, reduced to the
 * numbers the status page shows: cumulative counters, the upstream latency
 * histogram's buckets, and the gauges ESI last reported. Series are found by
 * name, so the page reads exactly what `/metrics` exposes, whoever defined
 * them (the client's `EsiMetrics`, the gateway's `GatewayMetrics`).
 *
 * @module
 */

import type {
  Counter,
  Gauge,
  Histogram,
  Metric,
  MetricsRegistry,
} from "../../src/observe/registry.ts";

/** How a call was answered: the cache's outcomes, and calls that failed for good. */
export type Outcome = "hit" | "revalidated" | "miss" | "stale" | "error";

/** The outcomes, in the order the page draws them. */
export const OUTCOMES: readonly Outcome[] = ["hit", "revalidated", "miss", "stale", "error"];

/** The registry at one moment: cumulative counts, so two readings give rates. */
export interface Snapshot {
  /** When it was read, in epoch milliseconds. */
  at: number;
  /** Calls by outcome (answers below 400 by cache outcome, prepared hits included; errors). */
  outcomes: Record<Outcome, number>;
  /** ESI's error budget as it last reported it (`esi_error_limit_remaining`). */
  reportedBudget: number | null;
  /** Answers with status 420 (error limited), retried or not. */
  received420: number;
  /** Answers with status 429 (a route group's bucket was empty), retried or not. */
  received429: number;
  /** Cumulative counts of upstream answers per latency bucket (`le`), `+Inf` last. */
  latency: number[];
  /** Callers refused by the gateway's rate limit. */
  rateLimited: number;
  /** Caller credentials refused. */
  authFailures: number;
  /** Failures of the gateway's store and of the cache store. */
  storeErrors: number;
  /** Upstream tries that ran out their deadline. */
  deadlineHits: number;
}

const UPSTREAM = new Set(["miss", "revalidated"]);

/**
 * Reads the registry.
 *
 * @param registry The registry `/metrics` renders.
 * @param at The time of the reading, in epoch milliseconds.
 * @returns The snapshot.
 * @example
 * ```ts
 * import { MetricsRegistry } from "../../src/observe/registry.ts";
 * import { takeSnapshot } from "./snapshot.ts";
 * takeSnapshot(new MetricsRegistry(), Date.now()).outcomes.hit; // 0
 * ```
 */
export function takeSnapshot(registry: MetricsRegistry, at: number): Snapshot {
  const outcomes: Record<Outcome, number> = { hit: 0, revalidated: 0, miss: 0, stale: 0, error: 0 };
  let received420 = 0;
  let received429 = 0;
  for (const { labels, value } of counter(registry, "esi_requests_total")?.samples() ?? []) {
    const status = Number(labels.status);
    if (status === 420) received420 += value;
    else if (status === 429) received429 += value;
    if (status < 400 && labels.cache in outcomes) outcomes[labels.cache as Outcome] += value;
  }
  for (const { labels, value } of counter(registry, "esi_retries_total")?.samples() ?? []) {
    if (labels.reason === "420") received420 += value;
    else if (labels.reason === "429") received429 += value;
  }
  outcomes.hit += counter(registry, "gateway_prepared_hits_total")?.sum() ?? 0;
  outcomes.error = counter(registry, "esi_errors_total")?.sum() ?? 0;

  const histogram = registry.get("esi_request_duration_seconds") as Histogram<string> | undefined;
  const latency = new Array<number>((histogram?.buckets.length ?? 0) + 1).fill(0);
  for (const { labels, buckets } of histogram?.samples() ?? []) {
    if (!UPSTREAM.has(labels.cache)) continue;
    for (let i = 0; i < buckets.length; i++) latency[i] += buckets[i];
  }

  const timeouts = (name: string, label: string) => {
    let n = 0;
    for (const { labels, value } of counter(registry, name)?.samples() ?? []) {
      if (labels[label] === "ERR_TIMEOUT") n += value;
    }
    return n;
  };
  const budget = (registry.get("esi_error_limit_remaining") as Gauge<string> | undefined)?.get();
  return {
    at,
    outcomes,
    reportedBudget: budget ?? null,
    received420,
    received429,
    latency,
    rateLimited: counter(registry, "gateway_rate_limited_total")?.sum() ?? 0,
    authFailures: counter(registry, "gateway_auth_failures_total")?.sum() ?? 0,
    storeErrors: (counter(registry, "gateway_store_errors_total")?.sum() ?? 0) +
      (counter(registry, "esi_store_errors_total")?.sum() ?? 0),
    deadlineHits: timeouts("esi_retries_total", "reason") + timeouts("esi_errors_total", "code"),
  };
}

/**
 * The bucket bounds of the upstream latency histogram, in seconds (`+Inf` not included).
 *
 * @param registry The registry.
 * @returns The bounds, or none when the histogram is not defined.
 * @example
 * ```ts
 * import { MetricsRegistry } from "../../src/observe/registry.ts";
 * import { latencyBounds } from "./snapshot.ts";
 * latencyBounds(new MetricsRegistry()); // []
 * ```
 */
export function latencyBounds(registry: MetricsRegistry): readonly number[] {
  return (registry.get("esi_request_duration_seconds") as Histogram<string> | undefined)?.buckets ??
    [];
}

/**
 * A quantile of the observations between two readings of a cumulative
 * histogram, interpolated within its bucket as Prometheus'
 * `histogram_quantile` does.
 *
 * @param bounds The buckets' upper bounds, in seconds.
 * @param from The earlier cumulative counts (`+Inf` last).
 * @param to The later cumulative counts.
 * @param q The quantile, 0 to 1.
 * @returns The quantile in milliseconds, or `null` without observations.
 * @example
 * ```ts
 * import { quantileMs } from "./snapshot.ts";
 * quantileMs([0.1, 1], [0, 0, 0], [2, 4, 4], 0.5); // 100
 * ```
 */
export function quantileMs(
  bounds: readonly number[],
  from: readonly number[],
  to: readonly number[],
  q: number,
): number | null {
  const total = (to.at(-1) ?? 0) - (from.at(-1) ?? 0);
  if (total <= 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const count = (to[i] ?? 0) - (from[i] ?? 0);
    if (count >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1];
      const inBucket = count - below;
      const ms = (lower + (bounds[i] - lower) * (inBucket ? (rank - below) / inBucket : 1)) * 1000;
      return Math.round(ms * 10) / 10;
    }
    below = count;
  }
  // In the +Inf bucket: the largest bound is all that is known.
  return bounds.length ? bounds[bounds.length - 1] * 1000 : null;
}

/**
 * The current value of each series of a gauge, by one label.
 *
 * @param registry The registry.
 * @param name The gauge's name.
 * @param label The label to key by.
 * @returns The values by label value.
 * @example
 * ```ts
 * import { MetricsRegistry } from "../../src/observe/registry.ts";
 * import { gaugeBy } from "./snapshot.ts";
 * gaugeBy(new MetricsRegistry(), "esi_rate_limit_remaining", "group"); // {}
 * ```
 */
export function gaugeBy(
  registry: MetricsRegistry,
  name: string,
  label: string,
): Record<string, number> {
  return sumBy(registry.get(name), label);
}

/**
 * The sum of a counter's series, by one label.
 *
 * @param registry The registry.
 * @param name The counter's name.
 * @param label The label to key by.
 * @returns The sums by label value.
 * @example
 * ```ts
 * import { MetricsRegistry } from "../../src/observe/registry.ts";
 * import { counterBy } from "./snapshot.ts";
 * counterBy(new MetricsRegistry(), "gateway_rate_limited_total", "tier"); // {}
 * ```
 */
export function counterBy(
  registry: MetricsRegistry,
  name: string,
  label: string,
): Record<string, number> {
  return sumBy(registry.get(name), label);
}

function sumBy(metric: Metric | undefined, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (!metric || metric.type === "histogram") return out;
  for (const { labels, value } of metric.samples()) {
    const key = labels[label];
    if (key !== undefined) out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

function counter(registry: MetricsRegistry, name: string): Counter<string> | undefined {
  const metric = registry.get(name);
  return metric?.type === "counter" ? metric as Counter<string> : undefined;
}
