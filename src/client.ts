/**
 * `EsiClient`: one straight pipeline per call —
 * build → cache lookup → coalesce → limits → fetch with timeout → update limits
 * → 304 merge → retry decision → store → parse.
 *
 * @module
 */

import { type Clock, systemClock } from "./clock.ts";
import { MemoryCache } from "./cache/memory.ts";
import type { CacheEntry, CacheStore } from "./cache/store.ts";
import { readFreshness } from "./cache/freshness.ts";
import { cacheKey } from "./cache/key.ts";
import {
  EsiAbortError,
  EsiError,
  EsiHttpError,
  EsiNetworkError,
  EsiRequestError,
  EsiResponseError,
  EsiTimeoutError,
} from "./errors.ts";
import { assertExtraHeaders, assertValidHeaders, isManagedHeader } from "./http/headers.ts";
import { Flights } from "./http/flights.ts";
import { type EsiMeta, readMeta } from "./http/meta.ts";
import {
  backoffDelay,
  parseRetryAfter,
  resolveRetryPolicy,
  type RetryPolicy,
} from "./http/retry.ts";
import { startDeadline } from "./http/timeout.ts";
import { buildQuery, fillPath, type PathValue, type QueryValue, redactUrl } from "./http/url.ts";
import { ConcurrencyGate } from "./limits/concurrency.ts";
import {
  allPagesOf,
  type EsiPage,
  type PageFetcher,
  pagesOf,
  type PagesOptions,
} from "./paginate/x_pages.ts";
import { type CursorOptions, type CursorSync, syncCursor } from "./paginate/cursor.ts";
import { type FromIdOptions, walkFromId } from "./paginate/from_id.ts";
import { settleAll, type Settled } from "./bulk.ts";
import { Limits, type LimitsOptions, type LimitSubject, type Permit } from "./limits/limits.ts";
import { type CacheOutcome, type CallInfo, emit, type Hooks, mergeHooks } from "./observe/hooks.ts";
import type { ProgressContext, ProgressOptions } from "./observe/progress.ts";
import type { AccessTokenSource } from "./sso/token_source.ts";
import { authorizeCall, type CallAuth } from "./http/auth.ts";
import { type OperationMeta, resolveOperation } from "./http/operation.ts";
import { matchRoute } from "./http/match.ts";
import { validateParams } from "./http/validate.ts";
import { specCompatibilityDate } from "./spec/operations.gen.ts";
import type { EsiData, EsiHttpMethod, EsiParams, EsiPath, EsiRequestParams } from "./typed.ts";
import type { EsiMethod } from "./operation_meta.ts";
import { VERSION } from "./version.ts";
import { hmacKey, signatureHeaders } from "./gateway/signing.ts";

/** The languages ESI answers in (`Accept-Language`). */
export type EsiLanguage = "en" | "de" | "fr" | "ja" | "ru" | "zh" | "ko" | "es";

/** A token for a call: a raw access token, or a source that refreshes it. */
export type TokenInput = string | AccessTokenSource;

/** Options of an {@link EsiClient}; every one has a default. */
export interface EsiClientOptions {
  /**
   * ESI's base URL.
   * @default "https://esi.evetech.net"
   */
  baseUrl?: string;
  /**
   * Your application's product token, `AppName/1.2.3 (email; +url)`; esikit
   * appends its own. ESI asks every application to identify itself: without
   * one esikit warns once and goes on.
   */
  userAgent?: string;
  /**
   * The compatibility date sent as `X-Compatibility-Date` on every request.
   * @default the date of the spec esikit was built from
   */
  compatibilityDate?: string;
  /**
   * The language of names and descriptions (`Accept-Language`).
   * @default "en"
   */
  language?: EsiLanguage;
  /**
   * The tenant (`X-Tenant`).
   * @default "tranquility"
   */
  tenant?: string;
  /**
   * Where responses are kept; `false` keeps none (and risks re-requesting
   * before expiry, which ESI treats as cache circumvention).
   * @default new MemoryCache()
   */
  cache?: CacheStore | false;
  /**
   * The `fetch` to use.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * How long one try may take, body included, in milliseconds; 0 for none.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * The retry policy, or the number of retries.
   * @default defaultRetryPolicy
   */
  retry?: Partial<RetryPolicy> | number;
  /**
   * The most requests in flight at once, across the client and those derived from it.
   * @default 20
   */
  concurrency?: number;
  /**
   * ESI's error limit and route-group rate limits: a {@link Limits} to share
   * with other clients, or the options of this client's own.
   * @default new Limits()
   */
  limits?: Limits | LimitsOptions;
  /** Functions called at each edge of the pipeline. */
  hooks?: Hooks;
  /**
   * The clock (tests inject a fake one).
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Extra headers sent on every request; not those the client sets from its
   * options (`Accept-Language`, `X-Compatibility-Date`, `X-Tenant`,
   * `Authorization`, `User-Agent`, `If-None-Match`), which key its cache.
   */
  headers?: Record<string, string>;
  /**
   * The API key id, to call an esikit gateway (`baseUrl` pointing at its
   * `/esi` prefix): every request is signed with `apiSecret`.
   */
  apiKey?: string;
  /** The API key's secret; never sent, only used to sign. */
  apiSecret?: string;
  /**
   * How long an entry is kept past its freshness so it can be revalidated
   * with a cheap 304, in milliseconds.
   * @default 3600000
   */
  keepStaleMs?: number;
}

/** How one call is made, beyond the operation's own parameters. */
export interface CallOptions {
  /** The access token for this call, or a source of them. */
  token?: TokenInput;
  /** Aborts the call. */
  signal?: AbortSignal;
  /** This call's timeout per try, in milliseconds. */
  timeoutMs?: number;
  /**
   * Throw an {@link EsiHttpError} on a 4xx/5xx answer; with `false`, the
   * response is returned with `data` holding the error body.
   * @default true
   */
  throwOnError?: boolean;
  /** Return the body undecoded: `"text"` or `"bytes"`. */
  raw?: "text" | "bytes";
  /**
   * `"no-cache"` revalidates a stored entry even while it is fresh (a cheap
   * 304 when nothing changed); pagination uses it after a resource turned over.
   * @default "default"
   */
  cache?: "default" | "no-cache";
  /**
   * Hooks of this call alone, called after the client's: long calls use it
   * to count their own limit waits in their progress.
   */
  hooks?: Pick<Hooks, "limitWait">;
}

/** The parameters of an untyped call: path, query, body and headers, plus the call options. */
export interface RequestOptions extends EsiRequestParams, CallOptions {
  /** Path parameters, by name. */
  path?: Record<string, PathValue>;
  /** Query parameters, by name; `undefined` values are left out. */
  query?: Record<string, QueryValue>;
}

/** The options of a typed call: the operation's parameters and the call options. */
export type EsiCallOptions<M extends EsiHttpMethod, P extends EsiPath<M>> =
  & EsiParams<M, P>
  & CallOptions;

/**
 * The options argument of a typed call: optional when the operation has no
 * required parameter, required otherwise.
 */
export type EsiCallArgs<M extends EsiHttpMethod, P extends EsiPath<M>, X = unknown> = object extends
  EsiParams<M, P> ? [options?: EsiCallOptions<M, P> & X]
  : [options: EsiCallOptions<M, P> & X];

/** The record type of a cursor-paginated body: the array beside its `cursor`. */
export type CursorRecord<D> = D extends object
  ? NonNullable<D[Exclude<keyof D, "cursor">]> extends readonly (infer R)[] ? R : unknown
  : unknown;

/** The record type of an array body. */
export type RecordOf<D> = D extends readonly (infer R)[] ? R : unknown;

/** One call of a bulk: a method (GET by default), a route, and its options. */
export interface BulkCall extends RequestOptions {
  /**
   * The HTTP method.
   * @default "GET"
   */
  method?: string;
  /** The route template, e.g. `/characters/{character_id}`, or a literal path. */
  route: string;
}

/** Options of a bulk; `onProgress` counts calls. */
export interface BulkOptions extends ProgressOptions {
  /**
   * The most calls of the bulk in flight at once (the client's own gate and
   * limits apply too).
   * @default 20
   */
  concurrency?: number;
}

/** One answered call: the decoded body, the status, the headers, and esikit's meta. */
export interface EsiResponse<T> {
  /** The decoded body (`undefined` for 204, 304 and HEAD). */
  data: T;
  /** The HTTP status (that of the stored response, for a cache hit). */
  status: number;
  /** The response headers. */
  headers: Headers;
  /** What esikit knows about the call. */
  meta: EsiMeta;
}

interface ClientConfig {
  headers: Record<string, string>;
  timeoutMs: number;
  retry: Readonly<RetryPolicy>;
  compatibilityDate: string;
  language: EsiLanguage;
  tenant: string;
  token?: TokenInput;
}

/** What a client shares with every client derived from it. */
interface SharedState {
  baseUrl: string;
  userAgent: string;
  fetch: typeof fetch;
  cache?: CacheStore;
  clock: Clock;
  hooks: Hooks;
  gate: ConcurrencyGate;
  limits: Limits;
  flights: Flights<Upstream>;
  keepStaleMs: number;
  gateway?: { apiKey: string; key: Promise<CryptoKey> };
}

/** What one upstream exchange produced, shared by every caller that coalesced on it. */
interface Upstream {
  status: number;
  headers: Headers;
  /** The headers meta is read from, when they can be shared (never handed out). */
  metaHeaders?: Headers;
  body: Uint8Array;
  cache: CacheOutcome;
  attempts: number;
  expiresAt?: number;
}

/** A call, prepared: everything known before any I/O. */
interface Call extends CallInfo {
  callId: number;
  operation?: OperationMeta;
  headers: Record<string, string>;
  body?: string;
  cacheable: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  hooks?: Pick<Hooks, "limitWait">;
}

const inherited = Symbol("inherited");

/** One try's outcome: ESI's answer, or the error that kept it from coming. */
type TryResult = { response: Response; body: Uint8Array } | EsiError;
const emptyBody = new Uint8Array(0);
const decoder = new TextDecoder();
// The headers a stored entry keeps; the rest describe one exchange only.
const keptHeaders = [
  "content-type",
  "content-language",
  "etag",
  "last-modified",
  "expires",
  "date",
  "cache-control",
  "x-pages",
  "x-compatibility-date",
  "x-esi-request-id",
] as const;

const languages: ReadonlySet<string> = new Set(["en", "de", "fr", "ja", "ru", "zh", "ko", "es"]);

const limitHeaders = [
  "x-esi-error-limit-remain",
  "x-esi-error-limit-reset",
  "x-ratelimit-group",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-used",
] as const;

let warnedNoUserAgent = false;
// How many upstream tries a failure took, for the error hook.
const triesOf = new WeakMap<Error, number>();

function tried<E extends Error>(attempts: number, error: E): E {
  triesOf.set(error, attempts);
  return error;
}
let lastCallId = 0;

/**
 * A client for EVE Online's ESI. Every call goes through one pipeline that
 * caches (with ETag revalidation), coalesces identical calls, stays inside
 * the concurrency limit, times out, retries transient failures, and reports
 * what happened in `meta` and through hooks.
 *
 * @example A cached, retried call with typed errors
 * ```ts
 * import { EsiClient, EsiHttpError } from "@esikit/esi";
 *
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
 * try {
 *   const status = await esi.get("/status");
 *   console.log(status.players);
 * } catch (err) {
 *   if (err instanceof EsiHttpError) console.error(err.status, err.requestId);
 * }
 * ```
 */
export class EsiClient {
  readonly #shared: SharedState;
  readonly #config: ClientConfig;

  /**
   * Creates a client.
   *
   * @param options The client's options; see {@link EsiClientOptions}.
   */
  constructor(options: EsiClientOptions = {}) {
    const parent = (options as { [inherited]?: [SharedState, ClientConfig] })[inherited];
    if (parent) {
      [this.#shared, this.#config] = parent;
      return;
    }
    if (!options.userAgent && !warnedNoUserAgent) {
      warnedNoUserAgent = true;
      console.warn(
        'esikit: no userAgent given. ESI asks every application to identify itself: pass { userAgent: "MyApp/1.0 (me@example.com)" }.',
      );
    }
    const headers = { ...options.headers };
    assertExtraHeaders(headers);
    const baseUrl = (options.baseUrl ?? "https://esi.evetech.net").replace(/\/+$/, "");
    if (!/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(baseUrl)) {
      throw new EsiRequestError(
        `Cannot create the client: baseUrl "${baseUrl}" must be an http(s) URL without query or fragment`,
      );
    }
    if ((options.apiKey === undefined) !== (options.apiSecret === undefined)) {
      throw new EsiRequestError(
        "Cannot create the client: apiKey and apiSecret go together; give both or neither",
      );
    }
    if (options.apiSecret === "") {
      throw new EsiRequestError("Cannot create the client: apiSecret is empty");
    }
    const userAgent = `${options.userAgent ? `${options.userAgent} ` : ""}esikit/${VERSION}`;
    assertValidHeaders({ "User-Agent": userAgent });
    this.#shared = {
      baseUrl,
      userAgent,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      cache: options.cache === false ? undefined : options.cache ?? new MemoryCache(),
      clock: options.clock ?? systemClock,
      hooks: options.hooks ?? {},
      gate: new ConcurrencyGate(options.concurrency ?? 20),
      limits: options.limits instanceof Limits
        ? options.limits
        : new Limits({ clock: options.clock, ...options.limits }),
      flights: new Flights(),
      keepStaleMs: options.keepStaleMs ?? 3_600_000,
      gateway: options.apiKey !== undefined && options.apiSecret !== undefined
        ? { apiKey: options.apiKey, key: hmacKey(options.apiSecret) }
        : undefined,
    };
    this.#config = {
      headers,
      timeoutMs: options.timeoutMs ?? 30_000,
      retry: resolveRetryPolicy(options.retry),
      compatibilityDate: checkDate(options.compatibilityDate ?? specCompatibilityDate),
      language: options.language ?? "en",
      tenant: options.tenant ?? "tranquility",
    };
  }

  /** The clock this client reads the time from and waits with. */
  get clock(): Clock {
    return this.#shared.clock;
  }

  /** The compatibility date this client sends. */
  get compatibilityDate(): string {
    return this.#config.compatibilityDate;
  }

  /**
   * A client that adds these headers to every request; it shares this one's
   * cache, limits and connection.
   *
   * @param headers The headers to add.
   * @returns The derived client.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const traced = new EsiClient({ userAgent: "MyApp/1.0" }).withHeaders({ "X-Trace": "1" });
   * ```
   */
  withHeaders(headers: Record<string, string>): EsiClient {
    assertExtraHeaders(headers);
    return this.#derive({ headers: { ...this.#config.headers, ...headers } });
  }

  /**
   * A client with another timeout per try.
   *
   * @param timeoutMs The timeout in milliseconds; 0 for none.
   * @returns The derived client.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const patient = new EsiClient({ userAgent: "MyApp/1.0" }).withTimeout(60_000);
   * ```
   */
  withTimeout(timeoutMs: number): EsiClient {
    return this.#derive({ timeoutMs });
  }

  /**
   * A client with another retry policy (merged over this one's).
   *
   * @param retry The policy, or the number of retries.
   * @returns The derived client.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const once = new EsiClient({ userAgent: "MyApp/1.0" }).withRetry(0);
   * ```
   */
  withRetry(retry: Partial<RetryPolicy> | number): EsiClient {
    return this.#derive({ retry: resolveRetryPolicy(retry, this.#config.retry) });
  }

  /**
   * A client that sends another compatibility date.
   *
   * @param date The date, `YYYY-MM-DD`.
   * @returns The derived client.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const pinned = new EsiClient({ userAgent: "MyApp/1.0" }).withCompatibilityDate("2025-08-26");
   * ```
   */
  withCompatibilityDate(date: string): EsiClient {
    return this.#derive({ compatibilityDate: checkDate(date) });
  }

  /**
   * A client that asks for names and descriptions in another language
   * (`Accept-Language`); its answers are cached apart from other languages'.
   *
   * @param language One of ESI's languages.
   * @returns The derived client.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const german = new EsiClient({ userAgent: "MyApp/1.0" }).withLanguage("de");
   * ```
   */
  withLanguage(language: EsiLanguage): EsiClient {
    if (!languages.has(language)) {
      throw new EsiRequestError(
        `Cannot use language "${language}": ESI speaks ${
          [...languages].map((l) => `"${l}"`).join(", ")
        }`,
      );
    }
    return this.#derive({ language });
  }

  /**
   * A client bound to a character: every call carries its access token. A
   * token source (from `TokenManager`) is refreshed as needed, and a 401 makes
   * it refresh once and the call retry once.
   *
   * @param token A raw access token, or a source of them.
   * @returns The derived client.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * declare const accessToken: string;
   * const me = new EsiClient({ userAgent: "MyApp/1.0" }).withToken(accessToken);
   * ```
   */
  withToken(token: TokenInput): EsiClient {
    return this.#derive({ token });
  }

  /**
   * Sends a typed call and returns the whole answer: data, status, headers
   * and meta. The path must be one of the spec's, and the parameters its own.
   *
   * @param method The HTTP method.
   * @param path The route template, e.g. `/markets/{region_id}/orders`.
   * @param args The call's parameters and options.
   * @returns The answer.
   * @throws {EsiRequestError} Before anything is sent, when the call is invalid.
   * @throws {EsiHttpError} When ESI answers 4xx/5xx (unless `throwOnError: false`).
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const res = await esi.request("GET", "/status");
   * console.log(res.data.players, res.meta.cache, res.meta.expires);
   * ```
   */
  request<M extends EsiMethod, P extends EsiPath<Lowercase<M>>>(
    method: M,
    path: P,
    ...args: EsiCallArgs<Lowercase<M>, P>
  ): Promise<EsiResponse<EsiData<Lowercase<M>, P>>> {
    return this.requestUntyped(method, path, args[0] as RequestOptions);
  }

  /**
   * Sends a call to any path, typed or not: the escape hatch for routes newer
   * than esikit's spec. Routes the spec knows are still checked against it,
   * whether named by template or by a concrete path (`/characters/1/skills`
   * is matched to its route: its checks, rate-limit group and template).
   *
   * @param method The HTTP method.
   * @param path The route template or a literal path.
   * @param options The call's parameters and options.
   * @returns The answer, with `data` of the type you name.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const res = await esi.requestUntyped<{ players: number }>("GET", "/status");
   * console.log(res.data.players);
   * ```
   */
  async requestUntyped<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<EsiResponse<T>> {
    const started = this.#shared.clock.now();
    const call = this.#prepare(method.toUpperCase(), path, options);
    try {
      // A route of the spec that needs no scope carries no token: nothing to await.
      const auth = call.operation?.scopes.length === 0
        ? undefined
        : await authorizeCall(call, options.token ?? this.#config.token, options.signal);
      const key = call.cacheable
        ? cacheKey(call.method, call.url, this.#config, auth?.identityKey ?? "")
        : undefined;
      const stored = key ? await this.#read(key) : undefined;
      if (stored && options.cache !== "no-cache" && this.#shared.clock.now() < stored.expiresAt) {
        this.#emitCache(call, "hit");
        const hit = this.#answer<T>(call, options, fromEntry(stored, "hit", 0), started);
        hitEntries.set(hit, stored);
        return hit;
      }
      const upstream = key
        ? await this.#shared.flights.run(
          key,
          (signal) => this.#exchange({ ...call, signal }, auth, key, stored),
          options.signal,
        )
        : await this.#exchange(call, auth, undefined, undefined);
      if (key) this.#emitCache(call, upstream.cache);
      return this.#answer<T>(call, options, upstream, started);
    } catch (error) {
      const failure = toEsiError(error, call);
      const attempt = triesOf.get(failure) ?? 0;
      emit(this.#shared.hooks.error, { ...info(call), error: failure, attempt });
      throw failure;
    }
  }

  /**
   * GETs a route and returns its typed data.
   *
   * @param path The route template.
   * @param args The call's parameters and options.
   * @returns The decoded body.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const orders = await esi.get("/markets/{region_id}/orders", {
   *   path: { region_id: 10000002 },
   *   query: { order_type: "all" },
   * });
   * console.log(orders[0]?.price);
   * ```
   */
  get<P extends EsiPath<"get">>(
    path: P,
    ...args: EsiCallArgs<"get", P>
  ): Promise<EsiData<"get", P>> {
    return this.#data<EsiData<"get", P>>("GET", path, args[0]);
  }

  /**
   * POSTs to a route and returns its typed data.
   *
   * @param path The route template.
   * @param args The call's parameters and options; `body` is sent as JSON.
   * @returns The decoded body.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const names = await esi.post("/universe/names", { body: [30000142] });
   * console.log(names[0]?.name);
   * ```
   */
  post<P extends EsiPath<"post">>(
    path: P,
    ...args: EsiCallArgs<"post", P>
  ): Promise<EsiData<"post", P>> {
    return this.#data<EsiData<"post", P>>("POST", path, args[0]);
  }

  /**
   * PUTs to a route and returns its typed data.
   *
   * @param path The route template.
   * @param args The call's parameters and options; `body` is sent as JSON.
   * @returns The decoded body.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * declare const esi: EsiClient;
   * await esi.put("/characters/{character_id}/contacts", {
   *   path: { character_id: 2112625428 },
   *   query: { standing: 5 },
   *   body: [93265215],
   * });
   * ```
   */
  put<P extends EsiPath<"put">>(
    path: P,
    ...args: EsiCallArgs<"put", P>
  ): Promise<EsiData<"put", P>> {
    return this.#data<EsiData<"put", P>>("PUT", path, args[0]);
  }

  /**
   * DELETEs at a route and returns its typed data.
   *
   * @param path The route template.
   * @param args The call's parameters and options.
   * @returns The decoded body.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * declare const esi: EsiClient;
   * await esi.delete("/characters/{character_id}/contacts", {
   *   path: { character_id: 2112625428 },
   *   query: { contact_ids: [93265215] },
   * });
   * ```
   */
  delete<P extends EsiPath<"delete">>(
    path: P,
    ...args: EsiCallArgs<"delete", P>
  ): Promise<EsiData<"delete", P>> {
    return this.#data<EsiData<"delete", P>>("DELETE", path, args[0]);
  }

  /**
   * Sends a HEAD request to a GET route: the headers and meta, no body.
   *
   * @param path The route template.
   * @param args The call's parameters and options.
   * @returns The answer, with `data` undefined.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const { meta } = await esi.head("/markets/{region_id}/orders", {
   *   path: { region_id: 10000002 },
   *   query: { order_type: "all" },
   * });
   * console.log(meta.pages);
   * ```
   */
  head<P extends EsiPath<"get">>(
    path: P,
    ...args: EsiCallArgs<"get", P>
  ): Promise<EsiResponse<undefined>> {
    return this.requestUntyped<undefined>("HEAD", path, args[0] as RequestOptions);
  }

  /**
   * Streams the pages of an X-Pages route in order, as they arrive: page 1
   * first, then the others in parallel. Every page is checked to belong to
   * the version page 1 had; a resource that changes mid-stream throws
   * {@link EsiPaginationError} rather than yield a mix.
   *
   * @param path The route template.
   * @param args The call's parameters and options; `paging` tunes the walk.
   * @returns The pages.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * for await (const page of esi.pages("/markets/{region_id}/orders", {
   *   path: { region_id: 10000002 },
   *   query: { order_type: "all" },
   * })) {
   *   console.log(page.page, "of", page.pages, page.data.length);
   * }
   * ```
   */
  pages<P extends EsiPath<"get">>(
    path: P,
    ...args: EsiCallArgs<"get", P, { paging?: PagesOptions } & ProgressOptions>
  ): AsyncGenerator<EsiPage<EsiData<"get", P>>, void, undefined> {
    const options = (args[0] ?? {}) as RequestOptions & { paging?: PagesOptions } & ProgressOptions;
    return pagesOf(
      path,
      this.#pageFetcher<EsiData<"get", P>>(path, options),
      this.clock,
      { ...options.paging, signal: options.signal, onProgress: options.onProgress },
    );
  }

  /**
   * Fetches every page of an X-Pages route and returns all its records: one
   * consistent version of the resource, or an error — never part of it.
   *
   * @param path The route template.
   * @param args The call's parameters and options; `paging` tunes the walk.
   * @returns Every record, in page order.
   * @throws {EsiPaginationError} When a page fails after its retries, or the
   *   resource keeps changing.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const orders = await esi.all("/markets/{region_id}/orders", {
   *   path: { region_id: 10000002 },
   *   query: { order_type: "all" },
   * });
   * console.log(orders.length);
   * ```
   */
  all<P extends EsiPath<"get">>(
    path: P,
    ...args: EsiCallArgs<"get", P, { paging?: PagesOptions } & ProgressOptions>
  ): Promise<EsiData<"get", P>> {
    const options = (args[0] ?? {}) as RequestOptions & { paging?: PagesOptions } & ProgressOptions;
    return allPagesOf(
      path,
      this.#pageFetcher<unknown[]>(path, options),
      this.clock,
      { ...options.paging, signal: options.signal, onProgress: options.onProgress },
    ) as Promise<EsiData<"get", P>>;
  }

  /**
   * Syncs a cursor-paginated route (`x-pagination: cursor`): without
   * `cursor.state`, an initial sync back to the oldest record; with it, the
   * records newer than the last sync. Persist the returned `cursor`.
   *
   * @param path The route template.
   * @param args The call's parameters and options; `cursor` carries the saved state.
   * @returns The records, oldest first, and the state to persist.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * declare const esi: EsiClient;
   * const first = await esi.syncCursor("/corporations/{corporation_id}/projects", {
   *   path: { corporation_id: 98000001 },
   * });
   * const later = await esi.syncCursor("/corporations/{corporation_id}/projects", {
   *   path: { corporation_id: 98000001 },
   *   cursor: { state: first.cursor },
   * });
   * ```
   */
  syncCursor<P extends EsiPath<"get">>(
    path: P,
    ...args: EsiCallArgs<
      "get",
      P,
      { cursor?: CursorOptions<CursorRecord<EsiData<"get", P>>> } & ProgressOptions
    >
  ): Promise<CursorSync<CursorRecord<EsiData<"get", P>>>> {
    const options = (args[0] ?? {}) as RequestOptions & ProgressOptions & {
      cursor?: CursorOptions<CursorRecord<EsiData<"get", P>>>;
    };
    const { cursor, onProgress, ...call } = options;
    return syncCursor(
      path,
      async (position, context) =>
        (await this.#tracked(
          "GET",
          path,
          { ...call, query: { ...call.query, ...position } },
          context,
        ))
          .data,
      { clock: this.clock, onProgress, ...cursor },
    );
  }

  /**
   * Walks a `from_id` route (wallet transactions) back in time and returns
   * every record once, newest first.
   *
   * @param path The route template.
   * @param args The call's parameters and options; `fromId` tunes the walk.
   * @returns Every record, newest first.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * declare const esi: EsiClient;
   * const transactions = await esi.walkFromId("/characters/{character_id}/wallet/transactions", {
   *   path: { character_id: 2112625428 },
   * });
   * ```
   */
  walkFromId<P extends EsiPath<"get">>(
    path: P,
    ...args: EsiCallArgs<
      "get",
      P,
      { fromId?: FromIdOptions<RecordOf<EsiData<"get", P>>> } & ProgressOptions
    >
  ): Promise<EsiData<"get", P>> {
    const options = (args[0] ?? {}) as RequestOptions & ProgressOptions & {
      fromId?: FromIdOptions<RecordOf<EsiData<"get", P>>>;
    };
    const { fromId, onProgress, ...call } = options;
    return walkFromId(
      path,
      async (from, context) =>
        (await this.#tracked<RecordOf<EsiData<"get", P>>[]>("GET", path, {
          ...call,
          query: { ...call.query, from_id: from },
        }, context)).data,
      { clock: this.clock, onProgress, ...fromId },
    ) as Promise<EsiData<"get", P>>;
  }

  /**
   * Sends many calls at once, inside every limit, and returns each outcome
   * in input order: one failure never fails the batch.
   *
   * @param calls The calls.
   * @param options The most calls of the bulk in flight at once.
   * @returns Each call's response, or its error.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const results = await esi.many([
   *   { route: "/status" },
   *   { route: "/characters/{character_id}", path: { character_id: 2112625428 } },
   *   { method: "POST", route: "/universe/names", body: [30000142] },
   * ]);
   * for (const r of results) console.log(r.ok ? r.value.status : r.error.message);
   * ```
   */
  many(
    calls: readonly BulkCall[],
    options: BulkOptions = {},
  ): Promise<Settled<EsiResponse<unknown>>[]> {
    return settleAll(
      calls,
      ({ method, route, ...call }, _, context) =>
        this.#tracked(method ?? "GET", route, call, context),
      options.concurrency ?? 20,
      { onProgress: options.onProgress, clock: this.clock },
    );
  }

  /**
   * Calls one GET route with many sets of parameters, inside every limit, and
   * returns each outcome in input order, typed.
   *
   * @param path The route template.
   * @param calls The parameters of each call.
   * @param options The most calls of the bulk in flight at once.
   * @returns Each call's data, or its error.
   * @example
   * ```ts
   * import { EsiClient } from "@esikit/esi";
   * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
   * const characters = await esi.manyOf(
   *   "/characters/{character_id}",
   *   [2112625428, 95465499].map((character_id) => ({ path: { character_id } })),
   * );
   * for (const c of characters) if (c.ok) console.log(c.value.name);
   * ```
   */
  manyOf<P extends EsiPath<"get">>(
    path: P,
    calls: readonly EsiCallOptions<"get", P>[],
    options: BulkOptions = {},
  ): Promise<Settled<EsiData<"get", P>>[]> {
    return settleAll(
      calls,
      async (call, _, context) =>
        (await this.#tracked<EsiData<"get", P>>("GET", path, call as RequestOptions, context)).data,
      options.concurrency ?? 20,
      { route: path, onProgress: options.onProgress, clock: this.clock },
    );
  }

  /**
   * A call of a long one: with progress tracked, its limit waits go to the
   * tracker's hooks and its meta to the context.
   */
  async #tracked<T>(
    method: string,
    path: string,
    options: RequestOptions,
    context: ProgressContext | undefined,
  ): Promise<EsiResponse<T>> {
    if (!context) return this.requestUntyped<T>(method, path, options);
    const res = await this.requestUntyped<T>(method, path, { ...options, hooks: context.hooks });
    context.meta = res.meta;
    return res;
  }

  /** Fetches page `n` of a route through the whole pipeline (cache included). */
  #pageFetcher<T>(path: string, options: RequestOptions): PageFetcher<T> {
    const { paging: _, onProgress: __, ...call } = options as
      & RequestOptions
      & { paging?: unknown }
      & ProgressOptions;
    return (page, revalidate, context) =>
      this.requestUntyped<T>("GET", path, {
        ...call,
        query: { ...call.query, page },
        cache: revalidate ? "no-cache" : call.cache,
        hooks: context?.hooks,
      }); // the meta comes back with the page
  }

  async #data<T>(method: string, path: string, options: unknown): Promise<T> {
    return (await this.requestUntyped<T>(method, path, options as RequestOptions)).data;
  }

  #derive(patch: Partial<ClientConfig>): EsiClient {
    const config = { ...this.#config, ...patch };
    return new EsiClient({ [inherited]: [this.#shared, config] } as EsiClientOptions);
  }

  /** Everything that can be known and refused before any I/O. */
  #prepare(method: string, path: string, options: RequestOptions): Call {
    if (/[?#]/.test(path)) {
      // The route names the call in hooks and errors: a query there could carry a secret.
      throw new EsiRequestError(
        `Cannot ${method} "${redactUrl(path)}": give the query as "query", not in the path`,
      );
    }
    const { operation, params } = operationOf(method, path, options.path);
    if (operation) validateParams(operation, { ...options, path: params });
    const route = operation?.path ?? path;
    if (!route.startsWith("/")) {
      throw new EsiRequestError(`Cannot ${method} "${route}": the path must start with "/"`);
    }
    const url = this.#shared.baseUrl + fillPath(route, params) + buildQuery(options.query);
    const headers: Record<string, string> = {
      "Accept": "application/json",
      "Accept-Language": this.#config.language,
      "User-Agent": this.#shared.userAgent,
      "X-Compatibility-Date": this.#config.compatibilityDate,
      "X-Tenant": this.#config.tenant,
      ...this.#config.headers,
    };
    if (options.headers) {
      assertExtraHeaders(options.headers);
      Object.assign(headers, options.headers);
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["Content-Type"] = "application/json";
    }
    return {
      callId: ++lastCallId,
      method,
      route,
      url,
      operation,
      headers,
      body,
      cacheable: method === "GET" && !!this.#shared.cache,
      timeoutMs: options.timeoutMs ?? this.#config.timeoutMs,
      signal: options.signal,
      hooks: options.hooks,
    };
  }

  /** One upstream exchange with its retries: what coalesced callers share. */
  async #exchange(
    call: Call,
    auth: CallAuth | undefined,
    key: string | undefined,
    stored: CacheEntry | undefined,
  ): Promise<Upstream> {
    const { clock, hooks, limits } = this.#shared;
    const policy = this.#config.retry;
    const retryable = policy.methods.includes(call.method);
    const subject: LimitSubject = {
      ...info(call),
      rateLimit: call.operation?.rateLimit,
      identity: auth?.bucketIdentity ?? "app",
    };
    let refreshedToken = false;
    let limitRetries = 0;
    for (let attempt = 1;; attempt++) {
      const headers = this.#tryHeaders(call, stored);
      if (auth) headers["Authorization"] = `Bearer ${await auth.accessToken(call.signal)}`;
      const permit = limits.tryAcquire(subject) ?? await this.#admit(call, subject);
      let result: TryResult;
      try {
        if (this.#shared.gateway) await this.#sign(call, headers);
        if (hooks.request?.length) {
          emit(hooks.request, { ...info(call), attempt, setHeader: headerSetter(headers) });
        }
        result = await this.#try(call, headers);
      } catch (error) {
        permit.settle(0, undefined); // nothing reached ESI: the permit goes back
        throw error;
      }
      permit.settle(
        result instanceof EsiError ? 0 : result.response.status,
        result instanceof EsiError ? undefined : result.response.headers,
      );
      const canRetry = retryable && attempt <= policy.limit;

      if (result instanceof EsiError) {
        triesOf.set(result, attempt);
        if (result.code === "ERR_ABORTED") throw result;
        const worth = result.code === "ERR_TIMEOUT" ? policy.timeouts : policy.networkErrors;
        if (worth && canRetry) {
          await this.#backoff(call, attempt, backoffDelay(policy, attempt), result.code);
          continue;
        }
        const stale = this.#staleOnError(stored);
        if (stale) return { ...stale, attempts: attempt };
        throw result;
      }

      const { response, body } = result;
      const status = response.status;
      if (status === 401 && auth?.canRefresh && !refreshedToken) {
        refreshedToken = true; // an expired token: refresh once, try once more
        auth.forceRefresh();
        continue;
      }
      if (status === 304 && stored) {
        return await this.#revalidated(key!, stored, response.headers, attempt);
      }
      // A 420 or 429 was refused before ESI did any work: any method may try
      // again, once the limits (which have just learnt of it) let it through.
      if ((status === 420 || status === 429) && limits.policy === "wait") {
        if (limitRetries++ < policy.limit) {
          emit(hooks.retry, { ...info(call), attempt, delayMs: 0, reason: String(status) });
          continue;
        }
      }
      if (policy.statuses.includes(status) && canRetry) {
        const retryAfter = parseRetryAfter(response.headers.get("retry-after"), clock.now());
        if (retryAfter === undefined || retryAfter <= policy.maxRetryAfterMs) {
          await this.#backoff(
            call,
            attempt,
            retryAfter ?? backoffDelay(policy, attempt),
            String(status),
          );
          continue;
        }
      }
      if (status >= 500) {
        const stale = this.#staleOnError(stored);
        if (stale) return { ...stale, attempts: attempt };
      }
      const upstream: Upstream = {
        status,
        headers: response.headers,
        body,
        cache: "miss",
        attempts: attempt,
      };
      if (key && status === 200) await this.#store(key, upstream);
      return upstream;
    }
  }

  /** The headers of one try: the call's, and the validators of a stored entry. */
  #tryHeaders(call: Call, stored: CacheEntry | undefined): Record<string, string> {
    const headers = { ...call.headers };
    if (stored?.headers.etag) headers["If-None-Match"] = stored.headers.etag;
    if (stored?.headers["last-modified"]) {
      headers["If-Modified-Since"] = stored.headers["last-modified"];
    }
    return headers;
  }

  /** Signs a try for the gateway; each try gets its own timestamp and nonce. */
  async #sign(call: Call, headers: Record<string, string>): Promise<void> {
    const { apiKey, key } = this.#shared.gateway!;
    Object.assign(
      headers,
      await signatureHeaders(
        { method: call.method, url: call.url, body: call.body },
        { apiKey, apiSecret: await key },
        this.#shared.clock.now(),
      ),
    );
  }

  /** Waits for the limits; an abort while waiting becomes an {@link EsiAbortError}. */
  async #admit(call: Call, subject: LimitSubject): Promise<Permit> {
    try {
      // A long call's own hooks count its waits in its progress.
      const hooks = call.hooks ? mergeHooks(this.#shared.hooks, call.hooks) : this.#shared.hooks;
      return await this.#shared.limits.acquire(subject, hooks, call.signal);
    } catch (error) {
      if (error instanceof EsiError) throw error;
      throw new EsiAbortError(call.method, redactUrl(call.url), error);
    }
  }

  /**
   * One try: wait for a place in the gate, then fetch and read the whole body
   * inside the deadline. Waiting for limits or the gate is not part of the
   * timeout.
   */
  async #try(call: Call, headers: Record<string, string>): Promise<TryResult> {
    const shown = redactUrl(call.url);
    let release: (() => void) | undefined;
    try {
      release = await this.#shared.gate.acquire(call.signal);
    } catch (reason) {
      return new EsiAbortError(call.method, shown, reason);
    }
    const deadline = startDeadline(this.#shared.clock, call.timeoutMs, call.signal);
    try {
      const response = await this.#shared.fetch(call.url, {
        method: call.method,
        headers,
        body: call.body,
        signal: deadline.signal,
      });
      const body = call.method === "HEAD" || response.status === 304 || response.status === 204
        ? (await response.body?.cancel(), emptyBody)
        : new Uint8Array(await response.arrayBuffer());
      return { response, body };
    } catch (error) {
      if (deadline.timedOut) return new EsiTimeoutError(call.method, shown, call.timeoutMs);
      if (call.signal?.aborted) return new EsiAbortError(call.method, shown, call.signal.reason);
      return new EsiNetworkError(call.method, shown, error);
    } finally {
      deadline.clear();
      release();
    }
  }

  async #backoff(call: Call, attempt: number, delayMs: number, reason: string): Promise<void> {
    emit(this.#shared.hooks.retry, { ...info(call), attempt, delayMs, reason });
    try {
      await this.#shared.clock.sleep(delayMs, call.signal);
    } catch (reason) {
      throw new EsiAbortError(call.method, redactUrl(call.url), reason);
    }
  }

  /** A stored entry still inside its `stale-if-error` window, as an answer. */
  #staleOnError(stored: CacheEntry | undefined): Upstream | undefined {
    if (!stored) return undefined;
    const window = readFreshness(new Headers(stored.headers), stored.storedAt).staleIfErrorMs;
    if (this.#shared.clock.now() > stored.expiresAt + window) return undefined;
    return fromEntry(stored, "stale", 0);
  }

  /** A 304: the stored body with the new freshness headers. */
  async #revalidated(
    key: string,
    stored: CacheEntry,
    headers: Headers,
    attempts: number,
  ): Promise<Upstream> {
    const merged = new Headers(stored.headers);
    // The 304's freshness replaces the stored one; its limit headers describe
    // this exchange and go to meta (they are never stored).
    for (const name of [...keptHeaders, ...limitHeaders]) {
      const value = headers.get(name);
      if (value !== null && name !== "content-type") merged.set(name, value);
    }
    // Its Age counts against its max-age (the stored entry keeps no Age of its own).
    const age = headers.get("age");
    if (age !== null) merged.set("age", age);
    const upstream: Upstream = {
      status: stored.status,
      headers: merged,
      body: stored.body,
      cache: "revalidated",
      attempts,
    };
    await this.#store(key, upstream);
    return upstream;
  }

  async #store(key: string, upstream: Upstream): Promise<void> {
    const { cache, clock, keepStaleMs } = this.#shared;
    const now = clock.now();
    const freshness = readFreshness(upstream.headers, now);
    upstream.expiresAt = now + freshness.lifetimeMs;
    if (!cache || !freshness.storable) return;
    const headers: Record<string, string> = {};
    for (const name of keptHeaders) {
      const value = upstream.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    const entry: CacheEntry = {
      status: upstream.status,
      headers,
      body: upstream.body,
      storedAt: now,
      expiresAt: upstream.expiresAt,
    };
    const keep = freshness.lifetimeMs + Math.max(keepStaleMs, freshness.staleIfErrorMs);
    try {
      await cache.set(key, entry, keep);
    } catch (error) {
      this.#storeError("set", error);
    }
  }

  async #read(key: string): Promise<CacheEntry | undefined> {
    try {
      return await this.#shared.cache!.get(key);
    } catch (error) {
      this.#storeError("get", error);
      return undefined;
    }
  }

  #storeError(operation: "get" | "set", error: unknown): void {
    emit(this.#shared.hooks.storeError, {
      store: this.#shared.cache?.constructor.name ?? "cache",
      operation,
      error: error instanceof Error ? error : new Error(String(error)),
    });
  }

  #emitCache(call: Call, outcome: CacheOutcome): void {
    if (this.#shared.hooks.cache?.length) {
      emit(this.#shared.hooks.cache, { ...info(call), outcome });
    }
  }

  /** Decodes the body for one caller and turns an error status into an error. */
  #answer<T>(
    call: Call,
    options: RequestOptions,
    upstream: Upstream,
    started: number,
  ): EsiResponse<T> {
    const shown = redactUrl(call.url);
    // Reading a dozen headers costs more than the rest of the pipeline: only
    // callers (and hooks) that look at meta pay for it.
    let meta: EsiMeta | undefined;
    const metaOf = () =>
      meta ??= readMeta(upstream.metaHeaders ?? upstream.headers, {
        cache: upstream.cache,
        route: call.route,
        url: shown,
        attempts: upstream.attempts,
        expiresAt: upstream.expiresAt,
        bytes: upstream.body.byteLength,
      });
    if (this.#shared.hooks.response?.length) {
      emit(this.#shared.hooks.response, {
        ...info(call),
        status: upstream.status,
        elapsedMs: this.#shared.clock.now() - started,
        cache: upstream.cache,
        attempt: upstream.attempts,
        requestId: metaOf().requestId,
        errorLimit: metaOf().errorLimit,
        rateLimit: metaOf().rateLimit,
      });
    }
    const { status, body } = upstream;
    if (status >= 400) {
      const text = decoder.decode(body);
      if (options.throwOnError !== false) {
        throw tried(
          upstream.attempts,
          EsiHttpError.from({
            status,
            method: call.method,
            url: shown,
            esiMessage: errorMessage(text),
            requestId: upstream.headers.get("x-esi-request-id") ?? undefined,
            headers: upstream.headers,
            body: text,
          }),
        );
      }
      const data = safeJson(text) as T;
      return response(() => data, upstream, metaOf);
    }
    if (options.raw === "bytes") {
      // A copy, as the body is the cached entry's (every later hit is served from it),
      // made only when read: the gateway answers hits from the entry itself.
      return response(() => body.slice() as T, upstream, metaOf);
    }
    const data = decode<T>(call, options, upstream);
    return response(() => data, upstream, metaOf);
  }
}

/** The answer; its `data` is read once, when first asked for. */
function response<T>(read: () => T, upstream: Upstream, metaOf: () => EsiMeta): EsiResponse<T> {
  let data: { value: T } | undefined;
  return {
    get data() {
      return (data ??= { value: read() }).value;
    },
    set data(value: T) {
      data = { value };
    },
    status: upstream.status,
    get headers() {
      return upstream.headers;
    },
    get meta() {
      return metaOf();
    },
  };
}

function decode<T>(call: Call, options: RequestOptions, upstream: Upstream): T {
  const { body, status } = upstream;
  if (options.raw === "text") return decoder.decode(body) as T;
  if (call.method === "HEAD" || status === 204 || status === 304) return undefined as T;
  const text = decoder.decode(body);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    const why = text === ""
      ? "the body is empty"
      : `the body is not valid JSON (${(error as Error).message})`;
    throw new EsiResponseError(call.method, redactUrl(call.url), status, why, { cause: error });
  }
}

/**
 * The stored entry a cache hit was answered from, for the gateway: it
 * prepares one response per entry instead of one per hit. The entry is shared
 * by every hit on it and must not be changed.
 *
 * @param res An answer of {@link EsiClient.requestUntyped}.
 * @returns The entry, or `undefined` when the answer was not a cache hit.
 * @example
 * ```ts
 * import { EsiClient, storedEntryOf } from "./client.ts";
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
 * const res = await esi.requestUntyped("GET", "/status");
 * storedEntryOf(res); // undefined: the first call is a miss
 * ```
 */
export function storedEntryOf(res: EsiResponse<unknown>): CacheEntry | undefined {
  return hitEntries.get(res);
}

const hitEntries = new WeakMap<EsiResponse<unknown>, CacheEntry>();
// Headers meta is read from, one per entry: every hit on an entry reads the
// same ones, and building a Headers costs more than the rest of a hit.
const entryHeaders = new WeakMap<CacheEntry, Headers>();

function fromEntry(entry: CacheEntry, cache: CacheOutcome, attempts: number): Upstream {
  let headers: Headers | undefined;
  let shared = entryHeaders.get(entry);
  if (!shared) entryHeaders.set(entry, shared = new Headers(entry.headers));
  return {
    status: entry.status,
    // The caller's own copy, built on first use: a caller wanting only the data never needs it.
    get headers() {
      return headers ??= new Headers(entry.headers);
    },
    metaHeaders: shared,
    body: entry.body,
    cache,
    attempts,
    expiresAt: entry.expiresAt,
  };
}

/**
 * The operation of a call, by template or, for a concrete path like
 * `/characters/1/notifications`, by matching it to the spec: either way the
 * call gets the route's checks, rate-limit group and template.
 */
function operationOf(
  method: string,
  path: string,
  params: RequestOptions["path"],
): { operation?: OperationMeta; params: RequestOptions["path"] } {
  const operation = resolveOperation(method, path);
  if (operation || path.includes("{") || (params && Object.keys(params).length)) {
    return { operation, params };
  }
  const found = matchRoute(method, path);
  if (!found) return { params };
  if ("allowed" in found) {
    throw new EsiRequestError(
      `Cannot ${method} "${path}": the route only allows ${
        found.allowed.map((m) => `"${m}"`).join(", ")
      }`,
    );
  }
  return { operation: found.operation, params: found.params };
}

function info(call: Call): CallInfo {
  return { method: call.method, route: call.route, url: redactUrl(call.url), callId: call.callId };
}

/**
 * Lets a request hook add a header (a trace context, say) without overriding
 * the client's, nor adding one the client manages (which keys its cache).
 */
function headerSetter(headers: Record<string, string>): (name: string, value: string) => void {
  return (name, value) => {
    const lower = name.toLowerCase();
    if (isManagedHeader(lower)) return;
    if (Object.keys(headers).some((existing) => existing.toLowerCase() === lower)) return;
    assertValidHeaders({ [name]: value });
    headers[name] = value;
  };
}

function toEsiError(error: unknown, call: Call): Error {
  if (error instanceof EsiError) return error;
  if (call.signal?.aborted) return new EsiAbortError(call.method, redactUrl(call.url), error);
  return error instanceof Error ? error : new Error(String(error));
}

function errorMessage(text: string): string | undefined {
  const parsed = safeJson(text);
  return parsed && typeof parsed === "object" && "error" in parsed
    ? String((parsed as { error: unknown }).error)
    : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text || undefined;
  }
}

function checkDate(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) {
    throw new EsiRequestError(
      `Cannot use compatibility date "${date}": it must be a date written YYYY-MM-DD`,
    );
  }
  return date;
}
