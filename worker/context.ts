/**
 * What the gateway's middleware and routes share: the Hono environment type,
 * the caller, the logger, and the JSON error answer.
 *
 * @module
 */

import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { OperationMeta } from "../src/operation_meta.ts";
import type { AccessTokenSource, TokenIdentity } from "../src/sso/token_source.ts";
import { rawTarget, type RequestTarget } from "./proxy/safe_path.ts";
import type { RequestDeadline } from "./middleware/deadline.ts";

/** Who is calling, once authenticated. */
export interface Caller {
  /** What identifies the caller to the limiter: `key:<id>`, `char:<id>` or `ip:<address>`. */
  id: string;
  /** The tier that limits the caller. */
  tier: string;
  /** The API key id, when the caller signed with one. */
  apiKey?: string;
  /** The verified character behind the caller's bearer token. */
  character?: TokenIdentity;
  /** The caller's access token, once verified. */
  token?: string;
  /** The stored, auto-refreshed tokens of a caller with a worker session. */
  tokenSource?: AccessTokenSource;
}

/** An ESI route the request matched. */
export interface EsiRoute {
  /** The route template. */
  template: string;
  /** Path parameters by name, decoded. */
  params: Record<string, string>;
  /** The operation called (the GET one for HEAD). */
  operation: OperationMeta;
}

/** What the entry passes as Hono's `env` (Deno: the connection; Workers: the bindings). */
export interface GatewayBindings {
  /** The connection's remote address, from `Deno.serve`'s handler info. */
  remoteAddr?: { hostname?: string };
  /** Anything else the runtime binds. */
  [name: string]: unknown;
}

/** The gateway's Hono environment. */
export interface GatewayEnv {
  /** The runtime's bindings. */
  Bindings: GatewayBindings;
  /** Per-request values set by middleware. */
  Variables: {
    requestId: string;
    /** The raw request target, read once (see `requestTarget`). */
    target: RequestTarget;
    caller: Caller;
    esiRoute: EsiRoute;
    body: Uint8Array;
    /** The request's deadline; its signal also aborts when the caller leaves. */
    deadline: RequestDeadline;
    /** Extra fields for the request's log line. */
    log: Record<string, unknown>;
    /**
     * The caller's `RateLimit-*` headers, once counted: the rate-limit
     * middleware sets them on the answer, except on one prepared ahead (a
     * cache hit, marked with `markSecured`), which adds them itself.
     */
    rateLimitHeaders: Record<string, string> | undefined;
    /** Why the caller's credentials were refused (401), for the failure limit. */
    authFailure: string | undefined;
  };
}

/** The gateway's context type. */
export type GatewayContext = Context<GatewayEnv>;

/**
 * The request's raw path and query (see `rawTarget`), read from the URL once
 * per request and shared by the middleware.
 *
 * @param c The context.
 * @returns The path and the query (with its `?`, or `""`).
 * @example
 * ```ts ignore
 * const { path, query } = requestTarget(c);
 * ```
 */
export function requestTarget(c: Context<GatewayEnv>): RequestTarget {
  let target = c.get("target");
  if (target === undefined) c.set("target", target = rawTarget(c.req.url));
  return target;
}

export { jsonLogger, type Logger, type LogRecord } from "./log/logger.ts";

/**
 * Answers with the gateway's (and ESI's) error shape, `{"error": "…"}`.
 *
 * @param c The context.
 * @param status The status.
 * @param message The message, sentence case, no secrets.
 * @param headers Extra headers.
 * @returns The response.
 * @example
 * ```ts ignore
 * return fail(c, 400, 'Cannot proxy "/x": the path names no route');
 * ```
 */
export function fail(
  c: Context,
  status: ContentfulStatusCode,
  message: string,
  headers?: Record<string, string>,
): Response {
  return c.json({ error: message }, status, headers);
}

/**
 * A caller's value as an error quotes it: at most `max` characters, `…`
 * marking the cut.
 *
 * @param value What the caller sent.
 * @param max The most characters kept.
 * @returns The value, cut.
 * @example
 * ```ts
 * import { shorten } from "./context.ts";
 * shorten("x".repeat(300)).length; // 121
 * ```
 */
export function shorten(value: string, max = 120): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
