/**
 * Refuses unsafe paths (400) and paths or methods the spec does not have
 * (404, 405 with `Allow`), then records the matched route for the handlers.
 * ESI's old forms (a version segment, a trailing slash) match the spec's route.
 * Nothing has gone upstream when this refuses.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { fail, type GatewayEnv, requestTarget, shorten } from "../context.ts";
import { matchRoute } from "../../src/http/match.ts";
import { specPath } from "../proxy/legacy.ts";
import { checkEsiPath } from "../proxy/safe_path.ts";

/** Options of {@link esiRoute}. */
export interface EsiRouteOptions {
  /**
   * The path prefix the ESI routes live under.
   * @default "/esi"
   */
  prefix?: string;
}

/**
 * Matches the request to an ESI route of the spec, refusing what cannot be one.
 *
 * @param options The prefix.
 * @returns The middleware.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { esiRoute } from "./esi_route.ts";
 * new Hono().use("/esi/*", esiRoute());
 * ```
 */
export function esiRoute({ prefix = "/esi" }: EsiRouteOptions = {}): MiddlewareHandler<GatewayEnv> {
  return async function esiRoute(c, next) {
    const { path } = requestTarget(c);
    if (!path.startsWith(`${prefix}/`)) return fail(c, 404, `Cannot find "${path}"`);
    // Old-style paths (`/latest/status/`) are ESI's too: answered as the spec's route.
    const checked = checkEsiPath(specPath(path.slice(prefix.length)));
    if (!checked.ok) return fail(c, 400, `Cannot proxy "${shorten(path)}": ${checked.problem}`);
    // The checked segments are decoded and hold no "/" or "%": joined, they match as they are.
    const shown = `/${checked.segments.join("/")}`;
    const found = matchRoute(c.req.method, shown);
    if (!found) return fail(c, 404, `Cannot proxy "${shown}": ESI has no such route`);
    if ("allowed" in found) {
      const allowed = found.allowed.includes("GET") ? [...found.allowed, "HEAD"] : found.allowed;
      return fail(
        c,
        405,
        `Cannot ${c.req.method} "${found.template}": the route allows ${
          allowed.map((m) => `"${m}"`).join(", ")
        }`,
        { Allow: allowed.join(", ") },
      );
    }
    const { operation, params } = found;
    c.set("esiRoute", { template: operation.path, params, operation });
    c.get("log").route = operation.path;
    await next();
  };
}
