/**
 * The gateway's own series, on the registry the client's `EsiMetrics` also
 * fills, so that `/metrics` shows both in one exposition: requests by route
 * template and status, callers refused by the rate limit, store failures,
 * and token or session checks that failed. Labels are bounded: route
 * templates (never raw paths), tiers, store names, fixed reasons.
 *
 * @module
 */

import type { Counter, MetricsRegistry } from "../src/observe/registry.ts";

/**
 * The gateway's series.
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "../src/observe/registry.ts";
 * import { GatewayMetrics } from "./metrics.ts";
 * const registry = new MetricsRegistry();
 * const metrics = new GatewayMetrics({ registry });
 * metrics.requests.inc({ route: "/status", method: "GET", status: 200 });
 * registry.toPrometheus();
 * ```
 */
export class GatewayMetrics {
  /** The registry the series are defined in. */
  readonly registry: MetricsRegistry;
  /** `gateway_requests_total{route,method,status}`. */
  readonly requests: Counter<"route" | "method" | "status">;
  /** `gateway_rate_limited_total{tier}`. */
  readonly rateLimited: Counter<"tier">;
  /** `gateway_store_errors_total{store,operation}`. */
  readonly storeErrors: Counter<"store" | "operation">;
  /** `gateway_auth_failures_total{reason}`. */
  readonly authFailures: Counter<"reason">;
  /** `gateway_prepared_hits_total{route}`. */
  readonly preparedHits: Counter<"route">;

  /** @param options The registry to define the series in. */
  constructor({ registry }: { registry: MetricsRegistry }) {
    this.registry = registry;
    this.requests = registry.counter({
      name: "gateway_requests_total",
      help: "Requests answered by the gateway, by route template, method and status.",
      labelNames: ["route", "method", "status"],
      overflowLabels: ["route"],
    });
    this.rateLimited = registry.counter({
      name: "gateway_rate_limited_total",
      help: "Requests refused by the gateway's own rate limit of its callers, by tier.",
      labelNames: ["tier"],
    });
    this.storeErrors = registry.counter({
      name: "gateway_store_errors_total",
      help: "Failures of the gateway's shared store (limiter, nonces, sessions, error budget).",
      labelNames: ["store", "operation"],
    });
    this.authFailures = registry.counter({
      name: "gateway_auth_failures_total",
      help:
        "Caller credentials refused, by reason (key_unknown, key_missing, timestamp, nonce, signature_missing, signature, replay, bearer_malformed, token_invalid, token_unverifiable, session_invalid), and requests refused for too many of them (throttled).",
      labelNames: ["reason"],
    });
    this.preparedHits = registry.counter({
      name: "gateway_prepared_hits_total",
      help:
        "Public requests seen before that the gateway answered from a prepared cache hit, without a client call (so not in esi_requests_total), by route template.",
      labelNames: ["route"],
      overflowLabels: ["route"],
    });
  }
}
