/**
 * Store: the one place answers enter the cache. It takes an {@link Upstream},
 * which only the transport's checks make (status, size, JSON, page count),
 * so nothing broken is ever stored or shared.
 *
 * @module
 */

import { readFreshness } from "../cache/freshness.ts";
import type { CacheEntry } from "../cache/store.ts";
import { limitHeaders } from "../http/meta.ts";
import { deadline } from "../http/timeout.ts";
import { storeError } from "./cache_step.ts";
import type { Shared, Upstream } from "./types.ts";

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

/** Stores a checked 200 (and sets when it expires); a store that fails or stalls is reported. */
export async function store(
  shared: Shared,
  key: string,
  upstream: Upstream,
  scan?: boolean,
): Promise<void> {
  const { cache, clock, keepStaleMs } = shared;
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
    const write = scan ? cache.set(key, entry, keep, { scan }) : cache.set(key, entry, keep);
    await (cache.inMemory ? write : deadline(write, shared.storeTimeoutMs, clock));
  } catch (error) {
    storeError(shared, "set", error);
  }
}

/** A 304: the stored body with the new freshness headers, stored again. */
export async function revalidated(
  shared: Shared,
  key: string,
  stored: CacheEntry,
  headers: Headers,
  attempts: number,
  scan?: boolean,
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
  await store(shared, key, upstream, scan);
  return upstream;
}
