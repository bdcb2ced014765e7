/**
 * esikit — the ESI client for Deno and the edge.
 *
 * Typed access to every operation of EVE Online's ESI, with HTTP caching and
 * ETag revalidation, coalescing of identical calls, timeouts, retries of
 * transient failures, typed errors, and a pipeline that reports what it did
 * in `meta` and through hooks. Built on web standards only: it runs unchanged
 * on Deno, Deno Deploy, Cloudflare Workers and browsers.
 *
 * @example A cached, retried, typed call
 * ```ts
 * import { EsiClient, EsiHttpError } from "@esikit/esi";
 *
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
 * try {
 *   const res = await esi.request("GET", "/status");
 *   console.log(res.data, res.meta.cache, res.meta.expires);
 * } catch (err) {
 *   if (err instanceof EsiHttpError) console.error(err.status, err.requestId);
 *   else throw err;
 * }
 * ```
 *
 * @module
 */

export {
  type BulkCall,
  type BulkOptions,
  type CallOptions,
  type CursorRecord,
  type EsiCallArgs,
  type EsiCallOptions,
  type EsiClientOptions,
  type EsiLanguage,
  type EsiResponse,
  type RecordOf,
  type RequestOptions,
  type TokenInput,
} from "./src/client/options.ts";
export { EsiClient } from "./src/client/client.ts";
export * from "./src/typed.ts";
export * from "./src/errors.ts";
export type { Clock } from "./src/clock.ts";
export { VERSION } from "./src/version.ts";
export type { EsiMethod } from "./src/operation_meta.ts";

export type { CacheEntry, CacheStore } from "./src/cache/store.ts";
export { MemoryCache, type MemoryCacheOptions } from "./src/cache/memory.ts";
export { WebCache, type WebCacheOptions } from "./src/cache/web_cache.ts";
export { TieredCache, type TieredCacheOptions } from "./src/cache/tiered.ts";
export type { StoreHooks } from "./src/cache/guard.ts";

export type { ErrorLimitInfo, EsiMeta, RateLimitInfo } from "./src/http/meta.ts";
export type { RetryPolicy } from "./src/http/retry.ts";
export type { PathValue, QueryValue } from "./src/http/url.ts";

export type { ErrorBudget, ErrorBudgetStore, ErrorLimitOptions } from "./src/limits/error_limit.ts";
export type { BucketSize } from "./src/limits/rate_limit.ts";
export {
  type LimitPolicy,
  Limits,
  type LimitsOptions,
  type Throttle,
} from "./src/limits/limits.ts";
export type { CircuitOptions } from "./src/limits/circuit.ts";
export type { EsiPage, PagesOptions } from "./src/paginate/x_pages.ts";
export type { CursorOptions, CursorState, CursorSync } from "./src/paginate/cursor.ts";
export type { FromIdOptions } from "./src/paginate/from_id.ts";
export type { Settled } from "./src/bulk.ts";

export type * from "./src/observe/events.ts";
export type {
  Progress,
  ProgressListener,
  ProgressOptions,
  ProgressUnit,
  ProgressWaits,
} from "./src/observe/progress.ts";

export type { AccessTokenSource, TokenIdentity } from "./src/sso/token_source.ts";
