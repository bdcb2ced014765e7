/**
 * Refuses unsafe paths (400) and paths or methods the spec does not have
 * (404, 405 with `Allow`), then records the matched route for the handlers.
 * Nothing has gone upstream when this refuses.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { fail, type GatewayEnv } from "../context.ts";
import { matchRoute } from "../esi_routes.ts";
import { checkEsiPath, rawTarget } from "../safe_path.ts";

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
    const { path } = rawTarget(c.req.url);
    if (!path.startsWith(`${prefix}/`)) return fail(c, 404, `Cannot find "${path}"`);
    const checked = checkEsiPath(path.slice(prefix.length));
    if (!checked.ok) return fail(c, 400, `Cannot proxy this path: ${checked.problem}`);
    const route = matchRoute(checked.segments);
    const shown = `/${checked.segments.join("/")}`;
    if (!route) return fail(c, 404, `Cannot proxy "${shown}": ESI has no such route`);
    const method = c.req.method === "HEAD" ? "GET" : c.req.method;
    const operation = route.operations.get(method);
    if (!operation) {
      const allowed = [...route.operations.keys()];
      if (allowed.includes("GET")) allowed.push("HEAD");
      return fail(
        c,
        405,
        `Cannot ${c.req.method} "${route.template}": the route allows ${
          allowed.map((m) => `"${m}"`).join(", ")
        }`,
        { Allow: allowed.join(", ") },
      );
    }
    c.set("esiRoute", { template: route.template, params: route.params, operation });
    c.get("log").route = route.template;
    await next();
  };
}
