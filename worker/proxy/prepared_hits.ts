/**
 * Cache hits answered from responses prepared ahead. Building an answer with
 * two dozen headers costs more than everything else a hit does, so each
 * cached entry gets its answer built once and each hit clones it (on Deno a
 * clone shares the bytes: ~2 µs against ~30 µs for a new `Response`). On
 * workerd a `Response` belongs to the request that built it (cloning it in
 * another is "Cannot perform I/O on behalf of a different request"), so there
 * each hit builds its own from the prepared bytes and headers. A public
 * request seen before also skips the client: while the entry it was answered
 * with is fresh, ESI's answer cannot have changed (the reasoning of
 * `TieredCache`'s near tier), so the same request gets the same answer.
 *
 * @module
 */

import type { CacheEntry } from "../../src/cache/store.ts";
import { type Clock, systemClock } from "../../src/clock.ts";
import { matchesEtag, passHeaders } from "./headers.ts";
import type { RequestTarget } from "./safe_path.ts";
import { SECURE_HEADERS } from "../middleware/secure_headers.ts";

/** Options of {@link PreparedHits}. */
export interface PreparedHitsOptions {
  /**
   * The clock freshness is judged by.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The most public requests remembered (oldest forgotten first).
   * @default 1000
   */
  maxRequests?: number;
  /**
   * The most body bytes the remembered requests may hold, besides what the
   * cache holds of the same entries.
   * @default 33554432 (32 MiB)
   */
  maxBytes?: number;
  /**
   * Build a new `Response` for every answer instead of cloning a prepared
   * one: a runtime that binds a `Response` to the request that made it
   * (workerd) needs this.
   * @default false
   */
  perRequest?: boolean;
}

/** A hit's answer, prepared: its bytes and headers, and on Deno a `Response` to clone. */
export interface PreparedAnswer {
  /** The body. */
  body: Uint8Array<ArrayBuffer>;
  /** ESI's headers, `Vary`, `X-Esikit-Cache` and the secure headers. */
  headers: Record<string, string>;
  /** The answer to clone, unless each is built anew. */
  base?: Response;
  /** The 304 to clone for a caller that has the entry, built on first use. */
  notModified?: Response;
  /** The spec's route template, for the log line and metrics. */
  route: string;
}

/** Responses prepared for a cached entry: one for public calls, one for token calls. */
interface Prepared {
  public?: PreparedAnswer;
  token?: PreparedAnswer;
}

/** A public request's answer, remembered while its entry is fresh. */
interface Remembered {
  base: PreparedAnswer;
  expiresAt: number;
  bytes: number;
}

/**
 * Prepares, remembers and hands out cache-hit answers: each carries ESI's
 * headers from the entry, `Vary`, `X-Esikit-Cache: hit` and the secure
 * headers; {@link PreparedHits.answer} adds the request's `RateLimit-*`, and
 * the `front` middleware its `X-Request-Id`.
 *
 * @example
 * ```ts
 * import { hitKey, PreparedHits } from "./prepared_hits.ts";
 * const hits = new PreparedHits();
 * const entry = {
 *   status: 200,
 *   headers: { etag: '"a"', "content-type": "application/json" },
 *   body: new TextEncoder().encode("{}"),
 *   storedAt: 0,
 *   expiresAt: Date.now() + 60_000,
 * };
 * const key = hitKey({ path: "/esi/status", query: "" }, null, null);
 * const res = hits.answer(hits.prepare(entry, false, "/status", key), undefined);
 * res.headers.get("x-esikit-cache"); // "hit"
 * hits.lookup(key) !== undefined; // true, until the entry expires
 * ```
 */
export class PreparedHits {
  // Keyed by the entry the cache handed out: it goes (and its responses with
  // it) when the cache drops it, and a revalidated entry is a new one.
  readonly #byEntry = new WeakMap<CacheEntry, Prepared>();
  readonly #byRequest = new Map<string, Remembered>();
  readonly #clock: Clock;
  readonly #maxRequests: number;
  readonly #maxBytes: number;
  readonly #perRequest: boolean;
  #bytes = 0;

  /**
   * Creates the store of prepared answers.
   *
   * @param options The clock and the bounds on remembered requests.
   */
  constructor(options: PreparedHitsOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#maxRequests = options.maxRequests ?? 1000;
    this.#maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.#perRequest = options.perRequest ?? false;
  }

  /**
   * The prepared answer of a public request remembered with
   * {@link PreparedHits.prepare}, while its entry is fresh.
   *
   * @param request The request's key, as given to `prepare`.
   * @returns The prepared answer (pass it to `answer`), or `undefined`.
   */
  lookup(request: string): PreparedAnswer | undefined {
    const remembered = this.#byRequest.get(request);
    if (!remembered) return undefined;
    if (this.#clock.now() < remembered.expiresAt) return remembered.base;
    this.#forget(request, remembered);
    return undefined;
  }

  /**
   * The entry's prepared answer, built on first use; with a request key, a
   * public request is remembered until the entry expires.
   *
   * @param entry The fresh 200 entry the client answered with.
   * @param usesToken Whether the call was made with a character's token.
   * @param route The spec's route template.
   * @param request The key of a public request to remember it under (see {@link hitKey}).
   * @returns The prepared answer (pass it to `answer`).
   */
  prepare(
    entry: CacheEntry,
    usesToken: boolean,
    route: string,
    request?: string,
  ): PreparedAnswer {
    let slot = this.#byEntry.get(entry);
    if (!slot) this.#byEntry.set(entry, slot = {});
    const kind = usesToken ? "token" : "public";
    let base = slot[kind];
    if (!base) {
      const headers = passHeaders(new Headers(entry.headers), {
        usesToken,
        stored: true,
        expiresAt: entry.expiresAt,
      });
      headers["X-Esikit-Cache"] = "hit";
      if (!headers["content-type"] && entry.body.length) {
        headers["content-type"] = "application/json";
      }
      for (const [name, value] of SECURE_HEADERS) headers[name] = value;
      const body = entry.body as Uint8Array<ArrayBuffer>;
      base = slot[kind] = {
        body,
        headers,
        base: this.#perRequest ? undefined : new Response(body, { status: 200, headers }),
        route,
      };
    }
    if (request !== undefined && !usesToken) this.#remember(request, base, entry);
    return base;
  }

  /**
   * A hit's answer: a clone of the prepared one (or one built for this
   * request) with this request's `RateLimit-*` and the secure headers (the
   * chain marks it so with `markSecured`); a 304 without a body when the caller's `If-None-Match` holds
   * the entry's ETag (weak comparison, as RFC 9110 asks for GET).
   *
   * @param base The prepared answer from `lookup` or `prepare`.
   * @param rateLimitHeaders The caller's `RateLimit-*`, when counted.
   * @param ifNoneMatch The caller's `If-None-Match`, if any.
   * @returns The answer.
   */
  answer(
    base: PreparedAnswer,
    rateLimitHeaders: Record<string, string> | undefined,
    ifNoneMatch?: string | null,
  ): Response {
    const res = matchesEtag(ifNoneMatch, base.headers.etag)
      ? this.#notModified(base)
      : base.base?.clone() ?? new Response(base.body, { status: 200, headers: base.headers });
    if (rateLimitHeaders) {
      for (const name in rateLimitHeaders) res.headers.set(name, rateLimitHeaders[name]);
    }
    return res;
  }

  #notModified(base: PreparedAnswer): Response {
    if (base.notModified) return base.notModified.clone();
    const { "content-type": _, ...headers } = base.headers;
    const res = new Response(null, { status: 304, headers });
    if (!this.#perRequest) base.notModified = res.clone();
    return res;
  }

  #remember(request: string, base: PreparedAnswer, entry: CacheEntry): void {
    const known = this.#byRequest.get(request);
    if (known) this.#forget(request, known);
    const bytes = entry.body.length;
    if (bytes > this.#maxBytes) return;
    // Oldest first: a Map iterates in insertion order.
    for (const [key, old] of this.#byRequest) {
      if (this.#byRequest.size < this.#maxRequests && this.#bytes + bytes <= this.#maxBytes) break;
      this.#forget(key, old);
    }
    this.#byRequest.set(request, { base, expiresAt: entry.expiresAt, bytes });
    this.#bytes += bytes;
  }

  #forget(request: string, remembered: Remembered): void {
    this.#byRequest.delete(request);
    this.#bytes -= remembered.bytes;
  }
}

/**
 * The key a public GET's answer is remembered under: while its entry is
 * fresh, it depends only on the raw target, the compatibility date and the
 * language asked for (not on the caller, nor on `If-None-Match`).
 *
 * @param target The request's raw path and query.
 * @param date Its `X-Compatibility-Date`, if any.
 * @param acceptLanguage Its `Accept-Language`, if any.
 * @returns The key.
 * @example
 * ```ts
 * import { hitKey } from "./prepared_hits.ts";
 * hitKey({ path: "/esi/status", query: "" }, null, "de"); // '["/esi/status",null,"de"]'
 * ```
 */
export function hitKey(
  target: RequestTarget,
  date: string | null | undefined,
  acceptLanguage: string | null | undefined,
): string {
  // Each part as it is, a missing header apart from an empty one: a value
  // holding a separator must never spell another request's key.
  return JSON.stringify([target.path + target.query, date ?? null, acceptLanguage ?? null]);
}

/**
 * What a hit answered from a prepared answer adds to its log line.
 *
 * @param known The prepared answer.
 * @returns The route, the cache outcome, ESI's request id and no attempt.
 * @example
 * ```ts ignore
 * Object.assign(c.get("log"), knownHitFields(known));
 * ```
 */
export function knownHitFields(known: PreparedAnswer): Record<string, unknown> {
  return {
    route: known.route,
    cache: "hit",
    esiRequestId: known.headers["x-esi-request-id"],
    attempts: 0,
  };
}
