/**
 * ESI's own series, fed by the client's hooks: calls by route and status,
 * durations, retries, cache outcomes, the error and rate limits, time spent
 * waiting on them, token refreshes and cache-store failures.
 *
 * @module
 */

import type {
  CacheEvent,
  CacheOutcome,
  ErrorEvent,
  Hooks,
  LimitKind,
  LimitWaitEvent,
  ResponseEvent,
  RetryEvent,
  StoreErrorEvent,
  TokenRefreshEvent,
} from "./hooks.ts";
import {
  boundedLabel as token,
  errorCodeLabel as errorCode,
  identifier,
  methodLabel,
  routeLabel,
  statusLabel,
} from "./labels.ts";
import {
  type Counter,
  defaultBuckets,
  type Gauge,
  type Histogram,
  MetricsRegistry,
} from "./registry.ts";

/**
 * The buckets of `esi_request_duration_seconds`: from a cache hit (5 ms) to
 * a slow page of market orders during downtime (30 s).
 *
 * @example
 * ```ts
 * import { esiDurationBuckets } from "@esikit/esi/metrics";
 * esiDurationBuckets.at(-1); // 30
 * ```
 */
export const esiDurationBuckets: readonly number[] = Object.freeze([...defaultBuckets, 30]);

/** Options of {@link EsiMetrics}. */
export interface EsiMetricsOptions {
  /**
   * The registry to define the series in; share one to render other series
   * (a worker's own) in the same exposition.
   * @default new MetricsRegistry()
   */
  registry?: MetricsRegistry;
  /**
   * The most distinct label sets per metric; past it, new routes are counted
   * under `route="other"`.
   * @default 1000
   */
  maxSeries?: number;
  /**
   * The buckets of `esi_request_duration_seconds`, in seconds.
   * @default esiDurationBuckets
   */
  durationBuckets?: readonly number[];
}

/** What the metrics say, as plain numbers. */
export interface EsiMetricsSnapshot {
  /** Calls answered, from the cache or upstream (`esi_requests_total`). */
  requests: number;
  /** Answered calls by status (`"200"`, `"404"`, …). */
  byStatus: Record<string, number>;
  /** How the cache took part (`esi_cache_events_total`). */
  cache: Record<CacheOutcome, number>;
  /** Calls that failed for good: thrown to the caller (`esi_errors_total`). */
  errors: number;
  /** Retries (`esi_retries_total`). */
  retries: number;
  /** The mean time of an answered call, in milliseconds; 0 before the first. */
  averageRequestMs: number;
  /** The error budget left as ESI last reported it; absent until it does. */
  errorLimitRemaining?: number;
  /** The tokens left per rate-limit group, as ESI last reported them. */
  rateLimitRemaining: Record<string, number>;
  /** Seconds spent waiting, per limit. */
  limitWaitSeconds: Partial<Record<LimitKind, number>>;
  /** Token refreshes by outcome. */
  tokenRefreshes: Partial<Record<TokenRefreshEvent["outcome"], number>>;
  /** Cache-store failures. */
  storeErrors: number;
  /** The route groups whose circuit is open or half-open (`esi_circuit_open`). */
  openCircuits: string[];
}

const outcomes = new Set<string>(["hit", "revalidated", "miss", "stale"]);
const statusOrCode = /^(?:\d{3}|[A-Z][A-Z0-9_]*)$/;
const OTHER = "other";

/**
 * ESI metrics kept in-process from the client's hooks, readable as
 * Prometheus text or as a snapshot. Labels carry route templates and small
 * fixed sets only — never a URL, an id or a token.
 *
 * Series: `esi_requests_total{method,route,status,cache}`,
 * `esi_request_duration_seconds{method,route,cache}`,
 * `esi_retries_total{route,reason}`, `esi_errors_total{route,code}`,
 * `esi_cache_events_total{outcome}`, `esi_error_limit_remaining`,
 * `esi_rate_limit_remaining{group}`, `esi_limit_wait_seconds_total{limit}`,
 * `esi_token_refreshes_total{outcome}`, `esi_store_errors_total{store,operation}`.
 *
 * @example
 * ```ts
 * import { EsiClient } from "@esikit/esi";
 * import { EsiMetrics } from "@esikit/esi/metrics";
 *
 * const metrics = new EsiMetrics();
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)", hooks: metrics.hooks() });
 * // … calls …
 * console.log(metrics.snapshot().averageRequestMs);
 * const text = metrics.toPrometheus(); // serve at /metrics
 * ```
 */
export class EsiMetrics {
  /** The registry the series live in. */
  readonly registry: MetricsRegistry;
  /** `esi_requests_total{method,route,status,cache}`. */
  readonly requests: Counter<"method" | "route" | "status" | "cache">;
  /** `esi_request_duration_seconds{method,route,cache}`. */
  readonly duration: Histogram<"method" | "route" | "cache">;
  /** `esi_retries_total{route,reason}`. */
  readonly retries: Counter<"route" | "reason">;
  /** `esi_errors_total{route,code}`. */
  readonly errors: Counter<"route" | "code">;
  /** `esi_cache_events_total{outcome}`. */
  readonly cacheEvents: Counter<"outcome">;
  /** `esi_error_limit_remaining`. */
  readonly errorLimitRemaining: Gauge;
  /** `esi_rate_limit_remaining{group}`. */
  readonly rateLimitRemaining: Gauge<"group">;
  /** `esi_limit_wait_seconds_total{limit}`. */
  readonly limitWaitSeconds: Counter<"limit">;
  /** `esi_token_refreshes_total{outcome}`. */
  readonly tokenRefreshes: Counter<"outcome">;
  /** `esi_store_errors_total{store,operation}`. */
  readonly storeErrors: Counter<"store" | "operation">;
  /** `esi_circuit_open{group}`: 1 while a group's circuit is open or half-open, else 0. */
  readonly circuitOpen: Gauge<"group">;
  readonly #hooks: Required<Omit<Hooks, "request">>;

  /**
   * Defines the series (or joins those already in the registry).
   *
   * @param options The registry, the series cap and the duration buckets.
   */
  constructor(options: EsiMetricsOptions = {}) {
    const registry = options.registry ?? new MetricsRegistry();
    const maxSeries = options.maxSeries ?? 1000;
    const byRoute = { maxSeries, overflowLabels: ["route"] as const };
    this.registry = registry;
    this.requests = registry.counter({
      name: "esi_requests_total",
      help: "ESI calls answered, from the cache or upstream.",
      labelNames: ["method", "route", "status", "cache"],
      ...byRoute,
    });
    this.duration = registry.histogram({
      name: "esi_request_duration_seconds",
      help: "Time from the start of an ESI call to its answer, retries included.",
      labelNames: ["method", "route", "cache"],
      buckets: options.durationBuckets ?? esiDurationBuckets,
      ...byRoute,
    });
    this.retries = registry.counter({
      name: "esi_retries_total",
      help: "ESI tries that failed and were retried, by reason (status or error code).",
      labelNames: ["route", "reason"],
      ...byRoute,
    });
    this.errors = registry.counter({
      name: "esi_errors_total",
      help: "ESI calls that failed for good, by error code.",
      labelNames: ["route", "code"],
      ...byRoute,
    });
    this.cacheEvents = registry.counter({
      name: "esi_cache_events_total",
      help: "How the cache took part in ESI calls.",
      labelNames: ["outcome"],
      maxSeries,
    });
    this.errorLimitRemaining = registry.gauge({
      name: "esi_error_limit_remaining",
      help: "ESI's error budget left in the current window, as last reported.",
    });
    this.rateLimitRemaining = registry.gauge({
      name: "esi_rate_limit_remaining",
      help: "Tokens left in an ESI rate-limit group's window, as last reported.",
      labelNames: ["group"],
      maxSeries,
    });
    this.limitWaitSeconds = registry.counter({
      name: "esi_limit_wait_seconds_total",
      help: "Time ESI calls spent waiting on a limit before being sent.",
      labelNames: ["limit"],
      maxSeries,
    });
    this.tokenRefreshes = registry.counter({
      name: "esi_token_refreshes_total",
      help: "Access-token refreshes, by outcome.",
      labelNames: ["outcome"],
      maxSeries,
    });
    this.storeErrors = registry.counter({
      name: "esi_store_errors_total",
      help: "Cache-store operations that failed (the call went on as a miss).",
      labelNames: ["store", "operation"],
      maxSeries,
    });
    this.circuitOpen = registry.gauge({
      name: "esi_circuit_open",
      help:
        "1 while a route group's circuit breaker fails its calls fast (open or probing), else 0.",
      labelNames: ["group"],
      maxSeries,
    });
    this.#hooks = {
      circuit: [
        (e) =>
          this.circuitOpen.set(e.state === "closed" ? 0 : 1, {
            group: e.group.startsWith("/") ? routeLabel(e.group) : token(e.group, identifier),
          }),
      ],
      response: [(e) => this.#response(e)],
      retry: [(e) => this.#retry(e)],
      error: [(e) => this.#error(e)],
      cache: [(e) => this.#cache(e)],
      limitWait: [(e) => this.#limitWait(e)],
      tokenRefresh: [(e) => this.#tokenRefresh(e)],
      storeError: [(e) => this.#storeError(e)],
    };
  }

  /**
   * The hooks that feed the metrics: pass them to `EsiClient` (and to the
   * `TokenManager`, for token refreshes); join them with others through
   * `mergeHooks`.
   *
   * @returns A hook set.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * import { EsiMetrics } from "@esikit/esi/metrics";
   * import { mergeHooks } from "./hooks.ts";
   * const metrics = new EsiMetrics();
   * const esi = new EsiClient({
   *   userAgent: "MyApp/1.0",
   *   hooks: mergeHooks(metrics.hooks(), { retry: [(e) => console.warn(e.reason)] }),
   * });
   * ```
   */
  hooks(): Hooks {
    const h = this.#hooks;
    return {
      circuit: [...h.circuit],
      response: [...h.response],
      retry: [...h.retry],
      error: [...h.error],
      cache: [...h.cache],
      limitWait: [...h.limitWait],
      tokenRefresh: [...h.tokenRefresh],
      storeError: [...h.storeError],
    };
  }

  /**
   * The registry's whole exposition: these series and any other defined in
   * the same registry.
   *
   * @returns Prometheus text, version 0.0.4.
   * @example
   * ```ts
   * import { EsiMetrics } from "@esikit/esi/metrics";
   * new EsiMetrics().toPrometheus().startsWith("# HELP esi_requests_total"); // true
   * ```
   */
  toPrometheus(): string {
    return this.registry.toPrometheus();
  }

  /**
   * The totals, as plain numbers.
   *
   * @returns The snapshot.
   * @example
   * ```ts
   * import { EsiMetrics } from "@esikit/esi/metrics";
   * const { requests, cache, averageRequestMs } = new EsiMetrics().snapshot();
   * ```
   */
  snapshot(): EsiMetricsSnapshot {
    const byStatus: Record<string, number> = {};
    for (const { labels, value } of this.requests.samples()) {
      byStatus[labels.status] = (byStatus[labels.status] ?? 0) + value;
    }
    const cache: Record<CacheOutcome, number> = { hit: 0, revalidated: 0, miss: 0, stale: 0 };
    for (const { labels, value } of this.cacheEvents.samples()) {
      if (outcomes.has(labels.outcome)) cache[labels.outcome as CacheOutcome] += value;
    }
    const { count, sum } = this.duration.sum();
    const snapshot: EsiMetricsSnapshot = {
      requests: this.requests.sum(),
      byStatus,
      cache,
      errors: this.errors.sum(),
      retries: this.retries.sum(),
      // Rounded to the microsecond: the sum of seconds carries float noise.
      averageRequestMs: count === 0 ? 0 : Math.round((sum / count) * 1e6) / 1e3,
      rateLimitRemaining: sampleRecord(this.rateLimitRemaining.samples(), "group"),
      limitWaitSeconds: sampleRecord(this.limitWaitSeconds.samples(), "limit"),
      tokenRefreshes: sampleRecord(this.tokenRefreshes.samples(), "outcome"),
      storeErrors: this.storeErrors.sum(),
      openCircuits: this.circuitOpen.samples().filter((c) => c.value > 0).map((c) =>
        c.labels.group
      ),
    };
    const remain = this.errorLimitRemaining.get();
    if (remain !== undefined) snapshot.errorLimitRemaining = remain;
    return snapshot;
  }

  #response(e: ResponseEvent): void {
    const method = methodLabel(e.method);
    const route = routeLabel(e.route);
    const cache = outcomes.has(e.cache) ? e.cache : OTHER;
    this.requests.inc({ method, route, status: statusLabel(e.status), cache });
    this.duration.observe(Math.max(0, e.elapsedMs) / 1000 || 0, { method, route, cache });
    if (e.errorLimit && Number.isFinite(e.errorLimit.remain)) {
      this.errorLimitRemaining.set(e.errorLimit.remain);
    }
    if (e.rateLimit && Number.isFinite(e.rateLimit.remaining)) {
      this.rateLimitRemaining.set(e.rateLimit.remaining, {
        group: token(e.rateLimit.group, identifier),
      });
    }
  }

  #retry(e: RetryEvent): void {
    this.retries.inc({ route: routeLabel(e.route), reason: token(e.reason, statusOrCode) });
  }

  #error(e: ErrorEvent): void {
    this.errors.inc({ route: routeLabel(e.route), code: errorCode(e.error) });
  }

  #cache(e: CacheEvent): void {
    this.cacheEvents.inc({ outcome: outcomes.has(e.outcome) ? e.outcome : OTHER });
  }

  #limitWait(e: LimitWaitEvent): void {
    const seconds = Math.max(0, e.waitMs) / 1000;
    if (Number.isFinite(seconds)) {
      this.limitWaitSeconds.add(seconds, { limit: token(e.limit, identifier) });
    }
  }

  #tokenRefresh(e: TokenRefreshEvent): void {
    this.tokenRefreshes.inc({ outcome: token(e.outcome, identifier) });
  }

  #storeError(e: StoreErrorEvent): void {
    this.storeErrors.inc({
      store: token(e.store, identifier),
      operation: token(e.operation, identifier),
    });
  }
}

function sampleRecord<L extends string>(
  samples: { labels: Record<L, string>; value: number }[],
  label: L,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { labels, value } of samples) out[labels[label]] = (out[labels[label]] ?? 0) + value;
  return out;
}
