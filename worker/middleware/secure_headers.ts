/**
 * Hono's `secureHeaders()` defaults on every answer, with a way out for
 * answers prepared ahead (cache hits): they already carry the set, and
 * setting a dozen headers on each would cost more than the rest of a hit.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../context.ts";

/**
 * The headers `secureHeaders()` from `hono/secure-headers` sets with its
 * default options (a test holds the two equal).
 */
export const SECURE_HEADERS: readonly (readonly [string, string])[] = Object.freeze(
  [
    ["Cross-Origin-Resource-Policy", "same-origin"],
    ["Cross-Origin-Opener-Policy", "same-origin"],
    ["Origin-Agent-Cluster", "?1"],
    ["Referrer-Policy", "no-referrer"],
    ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
    ["X-Content-Type-Options", "nosniff"],
    ["X-DNS-Prefetch-Control", "off"],
    ["X-Download-Options", "noopen"],
    ["X-Frame-Options", "SAMEORIGIN"],
    ["X-Permitted-Cross-Domain-Policies", "none"],
    ["X-XSS-Protection", "0"],
  ] as const,
);

const complete = new WeakSet<Response>();

/**
 * Marks a response as already carrying {@link SECURE_HEADERS} (and no
 * `X-Powered-By`): {@link secureDefaults} leaves it as it is.
 *
 * @param res The response.
 * @returns The same response.
 * @example
 * ```ts
 * import { markSecured, SECURE_HEADERS } from "./secure_headers.ts";
 * const res = markSecured(new Response("{}", { headers: SECURE_HEADERS.map(([n, v]) => [n, v]) }));
 * ```
 */
export function markSecured(res: Response): Response {
  complete.add(res);
  return res;
}

/**
 * Whether a response was marked with {@link markSecured}.
 *
 * @param res The response.
 * @returns `true` when it carries the secure headers already.
 */
export function isSecured(res: Response): boolean {
  return complete.has(res);
}

/**
 * Sets {@link SECURE_HEADERS} on every answer (replacing the handler's) and
 * removes `X-Powered-By`, as `secureHeaders()` does, except on answers
 * marked with {@link markSecured}.
 *
 * @returns The middleware.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { secureDefaults } from "./secure_headers.ts";
 * new Hono().use(secureDefaults());
 * ```
 */
export function secureDefaults(): MiddlewareHandler<GatewayEnv> {
  return async function secureDefaults(c, next) {
    await next();
    const res = c.res;
    if (complete.has(res)) return;
    for (const [name, value] of SECURE_HEADERS) res.headers.set(name, value);
    res.headers.delete("X-Powered-By");
  };
}
