/**
 * `/metrics`, behind a bearer token (compared in constant time): the
 * client's `esi_*` series and the gateway's own, in one Prometheus
 * exposition. Off (404) without `METRICS_TOKEN`.
 *
 * @module
 */

import { Hono } from "hono";
import { PROMETHEUS_CONTENT_TYPE } from "../../src/observe/registry.ts";
import { fail, type GatewayEnv } from "../context.ts";

/** Options of {@link metricsRoutes}. */
export interface MetricsRoutesOptions {
  /** The bearer token callers must send; `undefined` turns the route off. */
  token?: string;
  /**
   * The Prometheus text to serve: the shared `MetricsRegistry`'s.
   */
  render?: () => string | Promise<string>;
}

const encoder = new TextEncoder();

/**
 * The metrics route.
 *
 * @param options The token and the renderer.
 * @returns A Hono app with `GET /metrics`.
 * @example
 * ```ts
 * import { metricsRoutes } from "./metrics.ts";
 * metricsRoutes({ token: "a-long-random-metrics-token", render: () => "up 1\n" });
 * ```
 */
export function metricsRoutes({ token, render }: MetricsRoutesOptions): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get("/metrics", async function metrics(c) {
    if (token === undefined) {
      return fail(c, 404, 'Cannot find "/metrics": METRICS_TOKEN is not set');
    }
    const given = /^Bearer (.+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
    if (given === undefined || !await sameSecret(given, token)) {
      return fail(c, 401, "Cannot show the metrics: the bearer token is missing or wrong", {
        "WWW-Authenticate": 'Bearer realm="metrics"',
      });
    }
    if (!render) return fail(c, 501, "Cannot show the metrics yet: no metrics source is wired in");
    return c.text(await render(), 200, {
      "Content-Type": PROMETHEUS_CONTENT_TYPE,
      "Cache-Control": "no-store",
    });
  });
  return app;
}

/**
 * Compares two secrets in constant time: equal-length digests, compared whole.
 *
 * @param a One secret.
 * @param b The other.
 * @returns Whether they are equal.
 * @example
 * ```ts
 * import { sameSecret } from "./metrics.ts";
 * await sameSecret("a-long-random-token", "a-long-random-token"); // true
 * ```
 */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const u = new Uint8Array(x);
  const v = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < u.length; i++) diff |= u[i] ^ v[i];
  return diff === 0;
}
