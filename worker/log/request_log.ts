/**
 * One structured JSON log line per request, with its request id.
 *
 * @module
 */

import { type Clock, systemClock } from "../../src/clock.ts";
import { redactUrl } from "../../src/http/url.ts";
import type { Logger } from "../context.ts";
import type { GatewayMetrics } from "../metrics.ts";

/** Options of {@link logRequest}. */
export interface RequestLogOptions {
  /** Where the line goes. */
  logger: Logger;
  /** Counts each request by route template, method and status. */
  metrics?: GatewayMetrics;
  /**
   * The clock that times the request.
   * @default systemClock
   */
  clock?: Clock;
}

/** An answered request, as its log line tells it. */
export interface AnsweredRequest {
  /** The request id it was answered with. */
  requestId: string;
  /** Its method. */
  method: string;
  /** Its raw path and query (see `rawTarget`). */
  path: string;
  query: string;
  /** The answer's status. */
  status: number;
  /** What the handlers added: cache outcome, caller, ESI's request id, the route. */
  fields: Record<string, unknown>;
}

/**
 * Counts and logs an answered request: request id, method, path (secret
 * query values redacted), status, duration, and what the handlers added
 * (`c.var.log`: cache outcome, caller, ESI's request id).
 *
 * @param answered The request and its answer.
 * @param started When the request started, by `clock`.
 * @param options The logger, metrics and clock.
 * @example
 * ```ts
 * import { logRequest } from "./request_log.ts";
 * logRequest(
 *   { requestId: "r1", method: "GET", path: "/healthz", query: "", status: 200, fields: {} },
 *   0,
 *   { logger: (record) => console.log(record.status) },
 * );
 * ```
 */
export function logRequest(
  { requestId, method, path, query, status, fields }: AnsweredRequest,
  started: number,
  { logger, metrics, clock = systemClock }: RequestLogOptions,
): void {
  metrics?.requests.inc({
    route: routeLabel(path, fields.route),
    method: methods.has(method) ? method : "other",
    status,
  });
  logger({
    level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
    msg: "request",
    requestId,
    method,
    // A login's state is single use, but still nobody's business in a log.
    path: query || path.includes("&")
      ? redactUrl(path + query).replace(/([?&]state=)[^&#]*/g, "$1<redacted>")
      : path,
    status,
    durationMs: clock.now() - started,
    ...fields,
  });
}

const methods = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);

const fixedRoutes = new Set([
  "/healthz",
  "/readyz",
  "/metrics",
  "/auth/login",
  "/auth/callback",
  "/auth/logout",
]);

/** A bounded label: the ESI route template, a fixed route, or `other`. */
function routeLabel(path: string, esiRoute: unknown): string {
  if (typeof esiRoute === "string") return `/esi${esiRoute}`;
  return fixedRoutes.has(path) ? path : "other";
}
