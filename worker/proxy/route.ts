/**
 * The proxy: one ESI operation per request, through the module's pipeline
 * (shared cache, coalescing, retries, typed errors), with ESI's headers that
 * matter passed back and the body passed through undecoded.
 *
 * @module
 */

import type { Context, Handler } from "hono";
import type { ContentfulStatusCode, StatusCode } from "hono/utils/http-status";
import {
  type EsiClient,
  type EsiResponse,
  type RequestOptions,
  storedEntryOf,
} from "../../src/client.ts";
import type { QueryValue } from "../../src/http/url.ts";
import { coerceQuery } from "../../src/http/query.ts";
import { type Clock, systemClock } from "../../src/clock.ts";
import {
  EsiAbortError,
  EsiError,
  EsiErrorLimitError,
  EsiHttpError,
  EsiNetworkError,
  EsiRateLimitError,
  EsiRequestError,
  EsiScopeError,
  EsiTimeoutError,
} from "../../src/errors.ts";
import type { AccessTokenSource, TokenIdentity } from "../../src/sso/token_source.ts";
import { type Caller, fail, type GatewayEnv, requestTarget } from "../context.ts";
import { passHeaders } from "./headers.ts";
import type { GatewayMetrics } from "../metrics.ts";
import { PreparedHits } from "./prepared_hits.ts";

/** Options of {@link esiProxy}. */
export interface EsiProxyOptions {
  /** The client every call goes through. */
  esi: EsiClient;
  /**
   * The clock `Retry-After` is counted from.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Answer cache hits from responses prepared once per cached entry and
   * cloned for each hit, and public requests seen before without a trip
   * through the client (see `PreparedHits`): cheap where `Response.clone()`
   * shares a byte body (Deno). Off on Workers, where it is not measured.
   * @default true
   */
  prepareHits?: boolean;
  /** Counts the hits answered without a client call. */
  metrics?: GatewayMetrics;
  /**
   * The most pages `?all=true` merges: one answer holds them all in memory
   * and costs ESI a call per page, for one count against the caller's limit.
   * @default 50
   */
  maxAllPages?: number;
}

/**
 * The caller's access token can only be used as given: the gateway cannot
 * refresh it, so when ESI refuses it the call ends here.
 */
export class CallerTokenRefusedError extends Error {
  /** Creates the error. */
  constructor() {
    super("Cannot call ESI with the access token: ESI refused it (expired or revoked?)");
    this.name = "CallerTokenRefusedError";
  }
}

/**
 * The proxy handler for `/esi/*`; the route, the caller and the body come
 * from the middleware before it.
 *
 * @param options The client.
 * @returns The handler.
 * @example
 * ```ts ignore
 * app.all("/esi/*", esiRoute(), requestBody({ maxBytes }), callerAuth(…), rateLimit(…), esiProxy({ esi }));
 * ```
 */
export function esiProxy(
  { esi, clock = systemClock, prepareHits = true, metrics, maxAllPages = 50 }: EsiProxyOptions,
): Handler<GatewayEnv> {
  const preparedHits = prepareHits ? new PreparedHits({ clock }) : undefined;
  return async function esiProxy(c) {
    const { template, params, operation } = c.get("esiRoute");
    const target = requestTarget(c);
    const date = c.req.header("X-Compatibility-Date");
    const ifNoneMatch = c.req.header("If-None-Match");
    // A public read with nothing to compare: the answer only depends on the target and the date.
    const remember = preparedHits && c.req.method === "GET" && !operation.scopes.length &&
        ifNoneMatch === undefined
      ? `${target.path}${target.query}|${date ?? ""}`
      : undefined;
    const known = remember !== undefined ? preparedHits?.lookup(remember) : undefined;
    if (preparedHits && known) {
      const log = c.get("log");
      log.cache = "hit";
      log.esiRequestId = known.headers.get("x-esi-request-id") ?? undefined;
      log.attempts = 0;
      metrics?.preparedHits.inc({ route: template });
      return preparedHits.answer(known, c.get("rateLimitHeaders"));
    }
    const caller = c.get("caller");
    const search = new URLSearchParams(target.query);
    // `all` is the gateway's own (no ESI operation has it): never sent upstream.
    const all = search.get("all") ?? undefined;
    if (all !== undefined) search.delete("all");
    const query = coerceQuery(operation, search);

    if (all !== undefined && all !== "false") {
      if (all !== "true") {
        return fail(c, 400, `Cannot read "all=${all}": use "all=true" or leave it out`);
      }
      if (operation.pagination !== "x-pages") {
        return fail(
          c,
          400,
          `Cannot merge the pages of "${template}": the route is not paged with X-Pages`,
        );
      }
      if (query.page !== undefined) {
        return fail(
          c,
          400,
          'Cannot merge every page and read one: use "all=true" or "page", not both',
        );
      }
    }

    if (operation.scopes.length && !caller.token && !caller.tokenSource) {
      return fail(
        c,
        401,
        `Cannot call "${operation.key}": it needs a character's access token (Authorization: Bearer …) with scope ${
          operation.scopes.map((s) => `"${s}"`).join(", ")
        }`,
        { "WWW-Authenticate": "Bearer" },
      );
    }

    let body: unknown;
    const bytes = c.get("body");
    if (bytes.length) {
      if (!/^application\/json\s*(;|$)/i.test(c.req.header("Content-Type") ?? "")) {
        return fail(c, 415, `Cannot proxy "${operation.key}": the body must be application/json`);
      }
      try {
        body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
      } catch {
        return fail(c, 400, `Cannot proxy "${operation.key}": the body is not valid JSON`);
      }
    }

    const usesToken = operation.scopes.length > 0;
    let res: EsiResponse<Uint8Array>;
    try {
      let client = esi;
      if (date !== undefined) client = client.withCompatibilityDate(date);
      const token = usesToken ? callerToken(caller) : undefined;
      if (all === "true") {
        return await allPages(c, client, { template, params, query, token, maxAllPages });
      }
      res = await client.requestUntyped<Uint8Array>(operation.method, template, {
        path: params,
        query,
        body,
        token,
        raw: "bytes",
      });
    } catch (error) {
      return errorResponse(c, error, clock.now());
    }

    const log = c.get("log");
    log.esiRequestId = res.meta.requestId;
    log.attempts = res.meta.attempts;
    if (preparedHits && operation.method === "GET" && ifNoneMatch === undefined) {
      const entry = storedEntryOf(res);
      if (entry && entry.status === 200) {
        log.cache = "hit";
        const base = preparedHits.prepare(entry, usesToken, remember);
        return preparedHits.answer(base, c.get("rateLimitHeaders"));
      }
    }
    const headers = passHeaders(res.headers, {
      usesToken,
      stored: res.meta.cache === "hit",
      expiresAt: res.meta.expires?.getTime(),
    });
    if (operation.method === "GET") {
      headers["X-Esikit-Cache"] = res.meta.cache;
      log.cache = res.meta.cache;
      const etag = res.headers.get("etag");
      if (res.status === 200 && etag && matchesEtag(ifNoneMatch, etag)) {
        delete headers["content-type"];
        return c.body(null, 304, headers);
      }
    }
    if (res.status === 204 || res.status === 205) return c.body(null, res.status, headers);
    if (!headers["content-type"] && res.data.length) headers["content-type"] = "application/json";
    return c.body(res.data as Uint8Array<ArrayBuffer>, res.status as ContentfulStatusCode, headers);
  };
}

/** What `allPages` merges: the route, its parameters and the caller's token. */
interface AllPagesCall {
  template: string;
  params: Record<string, string>;
  query: Record<string, QueryValue>;
  token: AccessTokenSource | undefined;
  maxAllPages: number;
}

/**
 * Every page of an X-Pages route, merged into one JSON array: one consistent
 * version of the resource (the module refetches when it turns over mid-walk).
 * Page 1 comes first: its `X-Pages` is checked against the cap before any
 * other page is asked for. The headers are page 1's as the walk left it in
 * the cache (the walk refetches when the resource turns over); no ETag, since
 * no single ESI response carries this body.
 */
async function allPages(
  c: Context<GatewayEnv>,
  client: EsiClient,
  { template, params, query, token, maxAllPages }: AllPagesCall,
): Promise<Response> {
  const options = { path: params, query, token };
  const pageOne = () =>
    client.requestUntyped<Uint8Array>("GET", template, {
      ...options,
      query: { ...query, page: 1 },
      raw: "bytes",
    });
  const pages = Number((await pageOne()).headers.get("x-pages") ?? "1");
  if (pages > maxAllPages) {
    return fail(
      c,
      400,
      `Cannot merge the ${pages} pages of "${template}": the gateway merges at most ${maxAllPages}; read them with "page"`,
    );
  }
  const all = client.all as (path: string, options: RequestOptions) => Promise<unknown>;
  const records = await all.call(client, template, options);
  const first = await pageOne();
  const headers = passHeaders(first.headers, {
    usesToken: !!token,
    expiresAt: first.meta.expires?.getTime(),
  });
  delete headers["etag"];
  headers["content-type"] = "application/json; charset=utf-8";
  headers["X-Esikit-Cache"] = first.meta.cache;
  c.get("log").cache = "all";
  return c.body(JSON.stringify(records), 200, headers);
}

function callerToken(caller: Caller): AccessTokenSource | undefined {
  if (caller.tokenSource) return caller.tokenSource;
  if (!caller.token || !caller.character) return undefined;
  const identity: TokenIdentity = caller.character;
  const token = caller.token;
  // Keyed by the verified character and scopes, so a character's entries
  // survive its token being refreshed and are never served to another.
  return {
    identity: () => Promise.resolve(identity),
    accessToken: (options) =>
      options?.forceRefresh
        ? Promise.reject(new CallerTokenRefusedError())
        : Promise.resolve(token),
  };
}

/** Whether an `If-None-Match` list holds this ETag (weak comparison, as RFC 9110 asks for GET). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//i, "");
  const wanted = bare(etag);
  return ifNoneMatch.split(",").some((tag) => bare(tag) === wanted);
}

/** Maps the module's errors to answers: ESI's own status and body, or the gateway's. */
function errorResponse(c: Context<GatewayEnv>, error: unknown, now: number): Response {
  if (error instanceof EsiHttpError) {
    const headers = error.headers ? passHeaders(error.headers, { usesToken: false }) : {};
    delete headers["vary"];
    c.get("log").esiRequestId = error.requestId;
    c.get("log").esiStatus = error.status;
    const body = error.body ?? JSON.stringify({ error: error.esiMessage ?? error.message });
    if (!headers["content-type"]) headers["content-type"] = "application/json";
    return c.body(body, error.status as StatusCode as ContentfulStatusCode, headers);
  }
  if (error instanceof CallerTokenRefusedError) {
    return fail(c, 401, error.message, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
  }
  if (error instanceof EsiScopeError) return fail(c, 403, error.message);
  if (error instanceof EsiRequestError) return fail(c, 400, error.message);
  if (error instanceof EsiTimeoutError) {
    return fail(c, 504, `ESI did not answer in time: ${error.message}`);
  }
  if (error instanceof EsiNetworkError || error instanceof EsiAbortError) {
    return fail(c, 502, `Cannot reach ESI: ${error.message}`);
  }
  const retryAfter = (at: number) => String(Math.max(1, Math.ceil((at - now) / 1000)));
  if (error instanceof EsiRateLimitError) {
    return fail(c, 429, error.message, { "Retry-After": retryAfter(error.retryAt) });
  }
  if (error instanceof EsiErrorLimitError) {
    return fail(c, 503, error.message, { "Retry-After": retryAfter(error.resetAt) });
  }
  if (error instanceof EsiError) {
    return fail(c, 502, `ESI's answer cannot be used: ${error.message}`);
  }
  throw error;
}
