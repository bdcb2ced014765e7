/**
 * The gateway's one global middleware: what hono's `requestId()` and
 * `secureHeaders()` do, and the log line, in one step and without
 * `c.header` (which makes Hono build every answer's headers twice). Every
 * answer gets its `X-Request-Id` and the secure headers, and is logged once.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { type Clock, systemClock } from "../../src/clock.ts";
import { type GatewayEnv, type Logger, requestTarget } from "../context.ts";
import type { GatewayMetrics } from "../metrics.ts";
import { logRequest } from "../log/request_log.ts";
import { isSecured, SECURE_HEADERS } from "./secure_headers.ts";

/** Options of {@link front}. */
export interface FrontOptions {
  /** Where the log line goes. */
  logger: Logger;
  /** Counts each request by route template, method and status. */
  metrics?: GatewayMetrics;
  /**
   * The clock that times the request.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The longest caller's `X-Request-Id` kept; a longer or malformed one is replaced.
   * @default 128
   */
  limitLength?: number;
}

/** What `hono/request-id` accepts from a caller. */
const ID_PATTERN = /^[\w\-=]+$/;

/**
 * Sets `c.var.requestId` (the caller's `X-Request-Id` when well formed, else
 * a random UUID, as `hono/request-id` does) and `c.var.log`; once answered,
 * sets `X-Request-Id` and the secure headers (not on answers marked with
 * `markSecured`, which carry them), removes `X-Powered-By`, counts the
 * request and logs it.
 *
 * @param options The logger, metrics and clock.
 * @returns The middleware.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { front } from "./front.ts";
 * import { jsonLogger } from "../context.ts";
 * new Hono().use(front({ logger: jsonLogger }));
 * ```
 */
export function front(
  { logger, metrics, clock = systemClock, limitLength = 128 }: FrontOptions,
): MiddlewareHandler<GatewayEnv> {
  return async function front(c, next) {
    const started = clock.now();
    const id = requestIdOf(c.req.raw, limitLength);
    c.set("requestId", id);
    const log = {};
    c.set("log", log);
    await next();
    const res = c.res;
    const headers = res.headers;
    headers.set("X-Request-Id", id);
    if (!isSecured(res)) {
      for (const [name, value] of SECURE_HEADERS) headers.set(name, value);
      headers.delete("X-Powered-By");
    }
    const { path, query } = requestTarget(c);
    const answered = { requestId: id, method: c.req.method, path, query, status: res.status };
    logRequest({ ...answered, fields: log }, started, { logger, metrics, clock });
  };
}

/**
 * The request's id: the caller's `X-Request-Id` when well formed (as
 * `hono/request-id` accepts it), else a random UUID.
 *
 * @param request The request.
 * @param limitLength The longest id kept.
 * @returns The id.
 * @example
 * ```ts
 * import { requestIdOf } from "./front.ts";
 * requestIdOf(new Request("http://x/", { headers: { "X-Request-Id": "abc" } })); // "abc"
 * ```
 */
export function requestIdOf(request: Request, limitLength = 128): string {
  const given = request.headers.get("X-Request-Id");
  return given !== null && given.length <= limitLength && ID_PATTERN.test(given)
    ? given
    : crypto.randomUUID();
}
