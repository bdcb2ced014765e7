/**
 * What a response says about itself: ESI's headers, read once, typed.
 *
 * @module
 */

import type { CacheOutcome } from "../observe/hooks.ts";

/** ESI's error budget as a response reports it. */
export interface ErrorLimitInfo {
  /** Errors left in the current window (`X-ESI-Error-Limit-Remain`). */
  remain: number;
  /** Seconds until the window resets (`X-ESI-Error-Limit-Reset`). */
  reset: number;
}

/** A route group's rate limit as a response reports it. */
export interface RateLimitInfo {
  /** The group (`X-Ratelimit-Group`). */
  group: string;
  /** The limit as ESI writes it, e.g. `"150/15m"` (`X-Ratelimit-Limit`). */
  limit: string;
  /** Tokens left in the window (`X-Ratelimit-Remaining`). */
  remaining: number;
  /** Tokens this answer cost (`X-Ratelimit-Used`). */
  used: number;
}

/** What esikit knows about one answered call, beyond its body. */
export interface EsiMeta {
  /** How the cache took part. */
  cache: CacheOutcome;
  /** The route template (or the path, when it is not in the spec). */
  route: string;
  /** The URL that was requested, secrets redacted. */
  url: string;
  /** The `ETag`. */
  etag?: string;
  /** When the data stops being fresh (`Expires`, or `Date` + `max-age`). */
  expires?: Date;
  /** `Last-Modified`. */
  lastModified?: Date;
  /** The page count of an X-Pages resource. */
  pages?: number;
  /** The error budget, when the response reported it. */
  errorLimit?: ErrorLimitInfo;
  /** The route group's rate limit, when the response reported it. */
  rateLimit?: RateLimitInfo;
  /** `X-Esi-Request-Id`: CCP support asks for it. */
  requestId?: string;
  /** The compatibility date ESI answered with (`X-Compatibility-Date`). */
  compatibilityDate?: string;
  /** How many upstream tries the call took (0 for a cache hit). */
  attempts: number;
  /** The body's size in bytes, as received (after any content decoding). */
  bytes?: number;
}

/**
 * Reads ESI's error-limit headers, whatever their case.
 *
 * @param headers The response headers.
 * @returns The budget, or `undefined` when the response did not report it.
 * @example
 * ```ts
 * import { readErrorLimit } from "./meta.ts";
 * readErrorLimit(new Headers({ "x-esi-error-limit-remain": "99", "x-esi-error-limit-reset": "42" })); // { remain: 99, reset: 42 }
 * ```
 */
export function readErrorLimit(headers: Headers): ErrorLimitInfo | undefined {
  const remain = int(headers.get("x-esi-error-limit-remain"));
  const reset = int(headers.get("x-esi-error-limit-reset"));
  return remain === undefined || reset === undefined ? undefined : { remain, reset };
}

/**
 * Reads ESI's rate-limit headers.
 *
 * @param headers The response headers.
 * @returns The group's state, or `undefined` when the response did not report it.
 * @example
 * ```ts
 * import { readRateLimit } from "./meta.ts";
 * readRateLimit(new Headers({ "x-ratelimit-group": "market-order", "x-ratelimit-limit": "12000/15m", "x-ratelimit-remaining": "11998", "x-ratelimit-used": "2" }))?.remaining; // 11998
 * ```
 */
export function readRateLimit(headers: Headers): RateLimitInfo | undefined {
  const group = headers.get("x-ratelimit-group");
  if (!group) return undefined;
  return {
    group,
    limit: headers.get("x-ratelimit-limit") ?? "",
    remaining: int(headers.get("x-ratelimit-remaining")) ?? 0,
    used: int(headers.get("x-ratelimit-used")) ?? 0,
  };
}

/**
 * Builds a call's meta from its response headers.
 *
 * @param headers The response headers (or the stored ones, for a cache hit).
 * @param base What the pipeline knows: the cache outcome, route, URL, tries
 *   and, when known, the expiry it computed.
 * @returns The meta.
 * @example
 * ```ts
 * import { readMeta } from "./meta.ts";
 * readMeta(new Headers({ "x-pages": "3" }), { cache: "miss", route: "/x", url: "https://esi.evetech.net/x", attempts: 1 }).pages; // 3
 * ```
 */
export function readMeta(
  headers: Headers,
  base: Pick<EsiMeta, "cache" | "route" | "url" | "attempts" | "bytes"> & { expiresAt?: number },
): EsiMeta {
  const expiresAt = base.expiresAt ?? date(headers.get("expires"))?.getTime();
  const meta: EsiMeta = {
    cache: base.cache,
    route: base.route,
    url: base.url,
    attempts: base.attempts,
    etag: headers.get("etag") ?? undefined,
    expires: expiresAt === undefined ? undefined : new Date(expiresAt),
    lastModified: date(headers.get("last-modified")),
    pages: int(headers.get("x-pages")),
    errorLimit: readErrorLimit(headers),
    rateLimit: readRateLimit(headers),
    requestId: headers.get("x-esi-request-id") ?? undefined,
    compatibilityDate: headers.get("x-compatibility-date") ?? undefined,
  };
  // Set only when known, so a meta read from headers alone keeps its shape.
  if (base.bytes !== undefined) meta.bytes = base.bytes;
  return meta;
}

function int(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function date(value: string | null): Date | undefined {
  if (!value) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at);
}

/** ESI's limit headers: they describe one exchange, and are never stored. */
export const limitHeaders = [
  "x-esi-error-limit-remain",
  "x-esi-error-limit-reset",
  "x-ratelimit-group",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-used",
] as const;
