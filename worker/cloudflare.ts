/**
 * The Cloudflare Workers entry: `export default { fetch }`. Settings come
 * from the Worker's bindings (`[vars]` and secrets), checked on the first
 * request (Workers have no start-up hook that sees them); a bad setting is
 * logged once, in full, and every request answers 500 until it is fixed.
 *
 * Shared state is Upstash (cache, nonces, limiter) when
 * `UPSTASH_REDIS_REST_URL` and `UPSTASH_REDIS_REST_TOKEN` are set. Without
 * them the gateway still runs, with the colo's Cache API for responses and
 * per-isolate memory for nonces and limits (not shared: fine for trying it,
 * not for production). The login routes need Upstash: a login's state and a
 * session written in one isolate's memory would be missing in the next.
 *
 * The caller's address is `CF-Connecting-IP`, which Cloudflare sets and
 * callers cannot forge through it.
 *
 * @module
 */

import type { ExecutionContext } from "hono";
import { WebCache } from "../src/cache/web_cache.ts";
import { ConfigError, type EnvRecord, loadConfig } from "./config.ts";
import { createGateway, type Gateway } from "./gateway.ts";

let gateway: Gateway | undefined;
let misconfigured: string | undefined;

function build(env: Record<string, unknown>): Gateway | undefined {
  if (gateway || misconfigured) return gateway;
  // Bindings may hold KV namespaces and the like: settings are the strings.
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === "string") strings[name] = value;
  }
  try {
    const config = loadConfig(strings as EnvRecord);
    if (config.sso?.login && !config.upstash) {
      throw new ConfigError([
        "SESSION_SECRET needs UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN on Workers: logins and sessions must be shared by every isolate",
      ]);
    }
    const workerCaches = (globalThis as { caches?: CacheStorage & { default?: Cache } }).caches;
    gateway = createGateway({
      config,
      cache: config.upstash || !workerCaches?.default
        ? undefined
        : new WebCache({ cache: workerCaches.default }),
      clientAddress: (request) => request.headers.get("CF-Connecting-IP") ?? undefined,
      // workerd binds a Response to the request that built it: each hit gets its own.
      prepareHits: "per-request",
    });
    return gateway;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    misconfigured = error.message;
    console.error(JSON.stringify({ level: "error", msg: misconfigured }));
    return undefined;
  }
}

/** The Worker. */
const worker: {
  fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContext): Promise<Response>;
} = {
  async fetch(request, env, ctx) {
    const built = build(env);
    if (!built) {
      return Response.json({ error: "The gateway is misconfigured; its log says how" }, {
        status: 500,
      });
    }
    return await built.app.fetch(request, env, ctx);
  },
};

export default worker;
