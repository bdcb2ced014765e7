/**
 * The events the client reports at each edge of its pipeline, and the hook
 * arrays that receive them: types only, so that every entry point whose API
 * names them re-exports them whole with one line. Payloads carry the route
 * template and a URL with secrets redacted; never a token, a secret or a cookie.
 *
 * @module
 */

/** How a call was answered with respect to the cache. */
export type CacheOutcome = "hit" | "revalidated" | "miss" | "stale";

/** What every event says of the call it belongs to. */
export interface CallInfo {
  /** The HTTP method. */
  method: string;
  /** The route template, `/characters/{character_id}/assets`, or the path when it is not in the spec. */
  route: string;
  /** The full URL, secrets redacted. */
  url: string;
  /**
   * Tells one call's events apart from another's: the same number on every
   * event of one call, unique in the process (not per client), so hooks shared
   * by several clients still tell calls apart. A call that joined another's
   * upstream exchange sees that call's request and retry events under the
   * other's id.
   */
  callId?: number;
}

/** A request is about to be sent upstream. */
export interface RequestEvent extends CallInfo {
  /** 1 for the first try, 2 for the first retry, … */
  attempt: number;
  /**
   * Adds a header to this try's request, e.g. W3C `traceparent`. Only while
   * the hook runs (synchronously); it cannot overwrite a header the client set.
   */
  setHeader?: (name: string, value: string) => void;
}

/** A response arrived (or the cache answered). */
export interface ResponseEvent extends CallInfo {
  /** The HTTP status of the answer. */
  status: number;
  /** Time from the start of the call to the answer, in milliseconds. */
  elapsedMs: number;
  /** How the cache took part. */
  cache: CacheOutcome;
  /** How many upstream tries the call took (0 for a cache hit). */
  attempt: number;
  /** The `X-Esi-Request-Id` of the answer, when there was one. */
  requestId?: string;
  /** ESI's error budget as this answer reported it (none for a cache hit). */
  errorLimit?: { remain: number; reset: number };
  /** The route group's rate limit as this answer reported it (none for a cache hit). */
  rateLimit?: { group: string; limit: string; remaining: number; used: number };
}

/** A failed try is about to be retried. */
export interface RetryEvent extends CallInfo {
  /** The try that failed. */
  attempt: number;
  /** How long the client waits before the next try, in milliseconds. */
  delayMs: number;
  /** The status that caused it, or the error code of a network failure or timeout. */
  reason: string;
}

/** A call failed for good. */
export interface ErrorEvent extends CallInfo {
  /** The error thrown to the caller. */
  error: Error;
  /** How many upstream tries the call took. */
  attempt: number;
}

/** The cache took part in a call. */
export interface CacheEvent extends CallInfo {
  /** How the cache took part. */
  outcome: CacheOutcome;
}

/** The limit a call waited on. */
export type LimitKind = "error-limit" | "rate-limit" | "concurrency";

/** A call waited for a limit before it could be sent. */
export interface LimitWaitEvent extends CallInfo {
  /** Which limit held the call back. */
  limit: LimitKind;
  /** The rate-limit group, for `"rate-limit"`. */
  group?: string;
  /** How long the call waited, in milliseconds. */
  waitMs: number;
}

/** A route group's circuit changed state (see `CircuitBreaker`). */
export interface CircuitEvent {
  /** The route group (or, for routes without one, the route). */
  group: string;
  /** The state it changed to: `"open"` fails calls fast, `"half-open"` sent its probe. */
  state: "closed" | "open" | "half-open";
  /** For `"open"`: when a probe may go, in epoch milliseconds. */
  retryAt?: number;
}

/** A character's access token was refreshed (or failed to be). */
export interface TokenRefreshEvent {
  /** The character whose token it is. */
  characterId: number;
  /** How the refresh ended. */
  outcome: "success" | "failure" | "revoked";
}

/** A cache store failed; the call went on as a miss. */
export interface StoreErrorEvent {
  /** The store's name, e.g. `"upstash"`. */
  store: string;
  /** The operation that failed. */
  operation: "get" | "set" | "delete";
  /** The failure. */
  error: Error;
}

/** A function that receives events of type `E`; what it returns is ignored, and what it throws too. */
export type Hook<E> = (event: E) => void | Promise<void>;

/**
 * Arrays of functions called at each edge of the pipeline. A hook that throws
 * (or rejects) never breaks a request.
 *
 * @example Logging the call statistics
 * ```ts
 * import { EsiClient } from "@esikit/esi";
 *
 * const esi = new EsiClient({
 *   userAgent: "MyApp/1.0 (me@example.com)",
 *   hooks: {
 *     response: [(e) => console.log(e.method, e.route, e.status, `${e.elapsedMs} ms`, e.cache)],
 *   },
 * });
 * ```
 */
export interface Hooks {
  /** Before each upstream try. */
  request?: Hook<RequestEvent>[];
  /** After each answered call, from the cache or upstream. */
  response?: Hook<ResponseEvent>[];
  /** Before each retry. */
  retry?: Hook<RetryEvent>[];
  /** When a call fails for good. */
  error?: Hook<ErrorEvent>[];
  /** When the cache takes part in a call. */
  cache?: Hook<CacheEvent>[];
  /** When a call waited on a limit. */
  limitWait?: Hook<LimitWaitEvent>[];
  /** When a route group's circuit opens, sends its probe, or closes. */
  circuit?: Hook<CircuitEvent>[];
  /** When a token is refreshed. */
  tokenRefresh?: Hook<TokenRefreshEvent>[];
  /** When a cache store fails. */
  storeError?: Hook<StoreErrorEvent>[];
}
