/**
 * The proxy: one ESI operation per request, through the module's pipeline
 * (shared cache, coalescing, retries, typed errors), with ESI's headers that
 * matter passed back and the body passed through undecoded.
 *
 * @module
 */

import type { Context, Handler } from "hono";
import type { ContentfulStatusCode, StatusCode } from "hono/utils/http-status";
import type { EsiClient } from "../../src/client/client.ts";
import type { EsiResponse } from "../../src/client/options.ts";
import { storedEntryOf } from "../../src/pipeline/answer.ts";
import { coerceQuery } from "../../src/http/query.ts";
import { type Clock, systemClock } from "../../src/clock.ts";
import {
  EsiAbortError,
  EsiError,
  EsiErrorLimitError,
  EsiHttpError,
  EsiNetworkError,
  EsiPaginationError,
  EsiRateLimitError,
  EsiRequestError,
  EsiScopeError,
  EsiTimeoutError,
} from "../../src/errors.ts";
import type { AccessTokenSource, TokenIdentity } from "../../src/sso/token_source.ts";
import { type Caller, fail, type GatewayEnv, type Logger, requestTarget } from "../context.ts";
import type { RequestDeadline } from "../middleware/deadline.ts";
import type { GatewayMetrics } from "../metrics.ts";
import { markSecured } from "../middleware/secure_headers.ts";
import { streamAllPages } from "./all_pages.ts";
import { CallerShare } from "./caller_share.ts";
import { matchesEtag, passHeaders } from "./headers.ts";
import { headerLanguage, queryLanguage } from "./legacy.ts";
import { NegativeCache } from "./negative_cache.ts";
import { hitKey, knownHitFields, type PreparedHits } from "./prepared_hits.ts";

/** Options of {@link esiProxy}. */
export interface EsiProxyOptions {
  /** The client every call goes through. */
  esi: EsiClient;
  /**
   * The clock `Retry-After` and the callers' windows are counted on.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Answers cache hits from responses prepared once per cached entry, and
   * public requests seen before without a trip through the client (see
   * `PreparedHits`; the hit lane shares it); without it each answer is built.
   */
  hits?: PreparedHits;
  /** Counts the hits answered without a client call. */
  metrics?: GatewayMetrics;
  /**
   * The most pages `?all=true` merges (streamed, one ESI call per page, for
   * one count against the caller's limit).
   * @default 50
   */
  maxAllPages?: number;
  /**
   * ESI errors one caller may cause per minute before it is refused with 429.
   * @default 20
   */
  callerErrorBudget?: number;
  /**
   * Calls one caller may have in flight (its share of the client's 20 slots).
   * @default 5
   */
  maxInFlightPerCaller?: number;
  /** Where streams cut short are logged. */
  logger?: Logger;
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
 * The proxy handler for `/esi/*`; the route, the deadline, the caller and
 * the body come from the middleware before it.
 *
 * @param options The client, the hit cache, the callers' shares.
 * @returns The handler.
 * @example
 * ```ts ignore
 * app.all("/esi/*", esiRoute(), requestDeadline(…), requestBody(…), callerAuth(…), rateLimit(…), esiProxy({ esi }));
 * ```
 */
export function esiProxy(options: EsiProxyOptions): Handler<GatewayEnv> {
  const { esi, clock = systemClock, hits: preparedHits, metrics, maxAllPages = 50, logger } =
    options;
  const refusals = new NegativeCache({ clock });
  const shares = new CallerShare({
    errorBudget: options.callerErrorBudget ?? 20,
    maxInFlight: options.maxInFlightPerCaller,
    clock,
  });
  return async function esiProxy(c) {
    const { template, params, operation } = c.get("esiRoute");
    const target = requestTarget(c);
    const date = c.req.header("X-Compatibility-Date");
    const acceptLanguage = c.req.header("Accept-Language");
    const ifNoneMatch = c.req.header("If-None-Match");
    // A public read: the answer only depends on the target, the date and the language.
    const key = hitKey(target, date, acceptLanguage);
    const remember = preparedHits && c.req.method === "GET" && !operation.scopes.length
      ? key
      : undefined;
    const known = remember !== undefined ? preparedHits?.lookup(remember) : undefined;
    if (preparedHits && known) {
      Object.assign(c.get("log"), knownHitFields(known));
      metrics?.preparedHits.inc({ route: template });
      return markSecured(preparedHits.answer(known, c.get("rateLimitHeaders"), ifNoneMatch));
    }
    const caller = c.get("caller");
    const search = new URLSearchParams(target.query);
    // `all` is the gateway's own (no ESI operation has it): never sent upstream.
    const all = search.get("all") ?? undefined;
    if (all !== undefined) search.delete("all");
    // What tools written for ESI's old routes send: `datasource` (now `X-Tenant`) and `language`.
    const datasource = search.get("datasource");
    if (datasource !== null) {
      if (datasource !== "tranquility") {
        return fail(
          c,
          400,
          `Cannot use datasource "${datasource}": the gateway serves "tranquility" only`,
        );
      }
      search.delete("datasource");
    }
    const languageParam = search.get("language");
    const language = languageParam === null
      ? headerLanguage(acceptLanguage)
      : queryLanguage(languageParam);
    if (language === undefined) {
      return fail(
        c,
        400,
        `Cannot use language "${languageParam}": ESI speaks "en", "de", "fr", "ja", "ru", "zh", "ko", "es"`,
      );
    }
    search.delete("language");
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
    // ESI's refusals of a GET, remembered: a character's apart from everyone else's.
    const refusalKey = operation.method !== "GET"
      ? undefined
      : usesToken
      ? `${key}|${caller.character?.characterId ?? caller.id}`
      : key;
    const refused = refusalKey !== undefined ? refusals.lookup(refusalKey) : undefined;
    if (refused) {
      c.get("log").cache = "refusal";
      return c.body(refused.body, refused.status as ContentfulStatusCode, refused.headers);
    }
    // Identical calls of one caller coalesce upstream: they share a slot.
    const call = `${operation.method} ${key}|${all ?? ""}`;
    const overShare = shares.check(caller.id, call);
    if (overShare) {
      return fail(c, 429, overShare.message, { "Retry-After": String(overShare.retryAfter) });
    }

    const deadline = c.get("deadline");
    const ended = shares.start(caller.id, call);
    let res: EsiResponse<Uint8Array>;
    try {
      let client = esi;
      if (date !== undefined) client = client.withCompatibilityDate(date);
      if (language !== "en") client = client.withLanguage(language);
      const token = usesToken ? callerToken(caller) : undefined;
      if (all === "true") {
        return await streamAllPages(c, client, {
          template,
          params,
          query,
          token,
          maxAllPages,
          language,
          deadline,
          logger,
        });
      }
      res = await client.requestUntyped<Uint8Array>(operation.method, template, {
        path: params,
        query,
        body,
        token,
        raw: "bytes",
        signal: deadline?.signal,
      });
    } catch (error) {
      const answer = errorResponse(c, error, clock.now(), deadline);
      const upstream = upstreamError(error);
      if (upstream) {
        shares.error(caller.id);
        if (refusalKey !== undefined) {
          refusals.remember(refusalKey, answer.status, upstream.body, answer.headers);
        }
      }
      return answer.response;
    } finally {
      ended();
    }

    const log = c.get("log");
    log.esiRequestId = res.meta.requestId;
    log.attempts = res.meta.attempts;
    if (preparedHits && operation.method === "GET") {
      const entry = storedEntryOf(res);
      if (entry && entry.status === 200) {
        log.cache = "hit";
        const base = preparedHits.prepare(entry, usesToken, template, remember);
        return markSecured(preparedHits.answer(base, c.get("rateLimitHeaders"), ifNoneMatch));
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

/** ESI's own error answer behind an error (a failed page 1 of `all=true` included). */
function upstreamError(error: unknown): { status: number; body: string } | undefined {
  if (error instanceof EsiPaginationError && error.cause instanceof EsiHttpError) {
    error = error.cause;
  }
  if (!(error instanceof EsiHttpError)) return undefined;
  return {
    status: error.status,
    body: error.body ?? JSON.stringify({ error: error.esiMessage ?? error.message }),
  };
}

/** An error's answer, with the headers it was built from (for the refusal cache). */
interface ErrorAnswer {
  response: Response;
  status: number;
  headers: Record<string, string>;
}

/** Maps the module's errors to answers: ESI's own status and body, or the gateway's. */
function errorResponse(
  c: Context<GatewayEnv>,
  error: unknown,
  now: number,
  deadline: RequestDeadline | undefined,
): ErrorAnswer {
  const answer = (response: Response): ErrorAnswer => ({
    response,
    status: response.status,
    headers: {},
  });
  const upstream = upstreamError(error);
  if (upstream) {
    const cause = (error instanceof EsiPaginationError ? error.cause : error) as EsiHttpError;
    const headers = cause.headers ? passHeaders(cause.headers, { usesToken: false }) : {};
    delete headers["vary"];
    c.get("log").esiRequestId = cause.requestId;
    c.get("log").esiStatus = upstream.status;
    if (!headers["content-type"]) headers["content-type"] = "application/json";
    const status = upstream.status as StatusCode as ContentfulStatusCode;
    return { response: c.body(upstream.body, status, headers), status, headers };
  }
  if (deadline?.expired) {
    // One deadline for the whole request, retries included: a hung ESI holds nobody longer.
    return answer(
      fail(c, 504, `Cannot answer within ${deadline.ms} ms: ESI did not answer in time`, {
        "Retry-After": String(Math.max(1, Math.ceil(deadline.ms / 1000))),
      }),
    );
  }
  if (deadline?.signal.aborted) {
    // The caller left: nobody reads this answer; 499 is what proxies log for it.
    c.get("log").callerLeft = true;
    return answer(c.body(null, 499 as StatusCode as ContentfulStatusCode));
  }
  if (error instanceof CallerTokenRefusedError) {
    return answer(
      fail(c, 401, error.message, { "WWW-Authenticate": 'Bearer error="invalid_token"' }),
    );
  }
  if (error instanceof EsiScopeError) return answer(fail(c, 403, error.message));
  if (error instanceof EsiRequestError) return answer(fail(c, 400, error.message));
  if (error instanceof EsiTimeoutError) {
    return answer(fail(c, 504, `ESI did not answer in time: ${error.message}`));
  }
  if (error instanceof EsiNetworkError || error instanceof EsiAbortError) {
    return answer(fail(c, 502, `Cannot reach ESI: ${error.message}`));
  }
  const retryAfter = (at: number) => String(Math.max(1, Math.ceil((at - now) / 1000)));
  if (error instanceof EsiRateLimitError) {
    return answer(fail(c, 429, error.message, { "Retry-After": retryAfter(error.retryAt) }));
  }
  if (error instanceof EsiErrorLimitError) {
    return answer(fail(c, 503, error.message, { "Retry-After": retryAfter(error.resetAt) }));
  }
  if (error instanceof EsiError) {
    return answer(fail(c, 502, `ESI's answer cannot be used: ${error.message}`));
  }
  throw error;
}
