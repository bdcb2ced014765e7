/**
 * One structured JSON log line per request, with its request id.
 *
 * @module
 */

import type { Context } from "hono";
import { type Clock, systemClock } from "../../src/clock.ts";
import { redactUrl } from "../../src/http/url.ts";
import { type GatewayEnv, type Logger, requestTarget } from "../context.ts";
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

/**
 * Counts and logs an answered request: request id, method, path (secret
 * query values redacted), status, duration, and what the handlers added
 * (`c.var.log`: cache outcome, caller, ESI's request id).
 *
 * @param c The context, answered.
 * @param started When the request started, by `clock`.
 * @param options The logger, metrics and clock.
 */
export function logRequest(
  c: Context<GatewayEnv>,
  started: number,
  { logger, metrics, clock = systemClock }: RequestLogOptions,
): void {
  const { path, query } = requestTarget(c);
  const status = c.res.status;
  const log = c.get("log");
  const method = c.req.method;
  metrics?.requests.inc({
    route: routeLabel(path, log.route),
    method: methods.has(method) ? method : "other",
    status,
  });
  logger({
    level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
    msg: "request",
    requestId: c.get("requestId"),
    method,
    // A login's state is single use, but still nobody's business in a log.
    path: query || path.includes("&")
      ? redactUrl(path + query).replace(/([?&]state=)[^&#]*/g, "$1<redacted>")
      : path,
    status,
    durationMs: clock.now() - started,
    ...log,
  });
}

/** Methods counted by name; any other token a caller sends is `other` (labels stay bounded). */
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
