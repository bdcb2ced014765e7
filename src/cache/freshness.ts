/**
 * How long a response stays fresh, read from its headers the way ESI means
 * them: `Cache-Control: max-age` minus `Age` first, else `Expires` minus
 * `Date` (which is immune to clock skew), else `Expires` against our clock.
 *
 * @module
 */

/** What a response's headers say about caching it. */
export interface Freshness {
  /** Whether the response may be stored at all (`no-store` says no). */
  storable: boolean;
  /** How long it stays fresh from now, in milliseconds (0: revalidate at once). */
  lifetimeMs: number;
  /** How long past freshness it may still be served when ESI fails, in milliseconds. */
  staleIfErrorMs: number;
}

/**
 * Reads a response's freshness.
 *
 * @param headers The response headers.
 * @param now The current time, in epoch milliseconds.
 * @returns What the headers allow.
 * @example
 * ```ts
 * import { readFreshness } from "./freshness.ts";
 * readFreshness(new Headers({ "cache-control": "public, max-age=300", age: "60" }), Date.now()).lifetimeMs; // 240000
 * ```
 */
export function readFreshness(headers: Headers, now: number): Freshness {
  const cacheControl = parseCacheControl(headers.get("cache-control"));
  const staleIfErrorMs = seconds(cacheControl.get("stale-if-error")) * 1000;
  // `private` is no obstacle: entries are keyed by the identity behind the token.
  if (cacheControl.has("no-store")) return { storable: false, lifetimeMs: 0, staleIfErrorMs };
  if (cacheControl.has("no-cache")) return { storable: true, lifetimeMs: 0, staleIfErrorMs };
  const maxAge = cacheControl.get("max-age");
  if (maxAge !== undefined) {
    const age = seconds(headers.get("age") ?? undefined);
    return {
      storable: true,
      lifetimeMs: Math.max(0, seconds(maxAge) - age) * 1000,
      staleIfErrorMs,
    };
  }
  const expires = httpDate(headers.get("expires"));
  if (expires === undefined) return { storable: true, lifetimeMs: 0, staleIfErrorMs };
  const date = httpDate(headers.get("date"));
  return {
    storable: true,
    lifetimeMs: Math.max(0, expires - (date ?? now)),
    staleIfErrorMs,
  };
}

/**
 * Parses a `Cache-Control` value into its directives, lower-case, with their
 * arguments when they have one.
 *
 * @param value The header value.
 * @returns The directives.
 * @example
 * ```ts
 * import { parseCacheControl } from "./freshness.ts";
 * parseCacheControl("public, max-age=60").get("max-age"); // "60"
 * ```
 */
export function parseCacheControl(value: string | null | undefined): Map<string, string> {
  const directives = new Map<string, string>();
  if (!value) return directives;
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name) continue;
    const arg = eq < 0 ? "" : part.slice(eq + 1).trim().replace(/^"|"$/g, "");
    directives.set(name, arg);
  }
  return directives;
}

function seconds(value: string | undefined): number {
  if (!value) return 0;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function httpDate(value: string | null): number | undefined {
  if (!value) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}
