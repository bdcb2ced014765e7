/**
 * The client's contract: its options, a call's options, and what a call
 * answers. The engine that honours them is `src/pipeline/`.
 *
 * @module
 */

import type { CacheStore } from "../cache/store.ts";
import type { Clock } from "../clock.ts";
import type { RetryPolicy } from "../http/retry.ts";
import type { EsiMeta } from "../http/meta.ts";
import type { PathValue, QueryValue } from "../http/url.ts";
import type { Limits, LimitsOptions } from "../limits/limits.ts";
import type { Hooks } from "../observe/hooks.ts";
import type { ProgressOptions } from "../observe/progress.ts";
import type { AccessTokenSource } from "../sso/token_source.ts";
import type { EsiHttpMethod, EsiParams, EsiPath, EsiRequestParams } from "../typed.ts";

/** The languages ESI answers in (`Accept-Language`). */
export type EsiLanguage = "en" | "de" | "fr" | "ja" | "ru" | "zh" | "ko" | "es";

/** A token for a call: a raw access token, or a source that refreshes it. */
export type TokenInput = string | AccessTokenSource;

/** Options of an `EsiClient`; every one has a default. */
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
  /**
   * The largest body read, in bytes: a larger answer is an `EsiResponseError`
   * and its connection is closed. ESI's largest pages are a few hundred KiB.
   * @default 16777216 (16 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Hand `raw: "bytes"` callers the very bytes received or stored, rather
   * than a copy each: a copy less per call for a caller that only passes
   * them on (the gateway), which must then never change them — the cache
   * and every caller of the same call share them.
   * @default false
   */
  shareRawBytes?: boolean;
  /**
   * The most pages an X-Pages walk (`all()`, `pages()`) accepts, checked on
   * every version of page 1; more is an `EsiPaginationError`.
   * @default 2000
   */
  maxPages?: number;
  /**
   * The longest wait for the cache store, in milliseconds: past it a read is
   * a miss and a write is dropped (both reported to the `storeError` hook).
   * @default 1000
   */
  storeTimeoutMs?: number;
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
  /** Return the body undecoded: `"text"` or `"bytes"` (it is still checked to be JSON). */
  raw?: "text" | "bytes";
  /**
   * Your own validator (an ETag you kept): sent as `If-None-Match`, and a
   * `304` comes back as it is, with no body (the client's cache is left out).
   */
  ifNoneMatch?: string;
  /** Your own `Last-Modified`, sent as `If-Modified-Since`; as `ifNoneMatch`. */
  ifModifiedSince?: string;
  /**
   * Hooks of this call alone, called after the client's: long calls use it
   * to count their own limit waits in their progress.
   */
  hooks?: Pick<Hooks, "limitWait">;
  /**
   * `"no-cache"` revalidates a stored entry even while it is fresh (a cheap
   * 304 when nothing changed); pagination uses it after a resource turned over.
   * @default "default"
   */
  cache?: "default" | "no-cache";
  /**
   * This call is one of a walk's many, each answer read once: a cache with a
   * memory tier (`TieredCache`) keeps it in its shared tier only, so that a
   * walk of hundreds of pages does not push out what is read often. The
   * client's walks (`pages()`, `all()`) set it on their pages.
   * @default false
   */
  scan?: boolean;
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
