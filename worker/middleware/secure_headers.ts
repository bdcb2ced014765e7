/**
 * The security headers every answer carries (the `front` middleware sets
 * them), with a way out for answers prepared ahead (cache hits, `/healthz`),
 * which carry them already.
 *
 * @module
 */

/**
 * The security headers OWASP's REST Security Cheat Sheet asks of every API
 * response, the gateway's kind (it serves JSON and redirects; the status
 * page, its one HTML answer, sets its own): no framing (`Content-Security-Policy` `frame-ancestors 'none'`, and
 * `X-Frame-Options` for older browsers), no active content, no MIME sniffing,
 * HTTPS only. Its `Cache-Control: no-store` is left to each answer: ESI's
 * caching headers are what a gateway of cached answers passes on. The
 * HTML-page headers of `hono/secure-headers` (`Referrer-Policy`,
 * `X-XSS-Protection`, `Origin-Agent-Cluster`…) protect nothing on JSON and
 * cost every answer, a cache hit most of all: each header is ~0.35 µs of it.
 */
export const SECURE_HEADERS: readonly (readonly [string, string])[] = Object.freeze(
  [
    ["Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"],
    ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
    ["X-Content-Type-Options", "nosniff"],
    ["X-Frame-Options", "DENY"],
  ] as const,
);

const complete = new WeakSet<Response>();

/**
 * Marks a response as already carrying {@link SECURE_HEADERS} (and no
 * `X-Powered-By`): the `front` middleware leaves it as it is.
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
