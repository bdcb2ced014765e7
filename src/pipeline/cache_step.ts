/**
 * The cache lookup: the stored entry of a call, read under the store
 * deadline (a stalled store is a miss, not a hang), and the answers made
 * from it — a hit, or a stale entry served while ESI fails.
 *
 * @module
 */

import { readFreshness } from "../cache/freshness.ts";
import type { CacheEntry } from "../cache/store.ts";
import { deadline } from "../http/timeout.ts";
import { type CacheOutcome, emit } from "../observe/hooks.ts";
import type { Shared, Upstream } from "./types.ts";

/** Reads a call's stored entry; a store that fails or stalls is a miss, reported. */
export async function lookup(
  shared: Shared,
  key: string,
  scan?: boolean,
): Promise<CacheEntry | undefined> {
  try {
    const { cache, clock, storeTimeoutMs } = shared;
    const read = scan ? cache!.get(key, { scan }) : cache!.get(key);
    return await (cache!.inMemory ? read : deadline(read, storeTimeoutMs, clock));
  } catch (error) {
    storeError(shared, "get", error);
    return undefined;
  }
}

/** Whether a stored entry may answer without asking ESI. */
export function isFresh(shared: Shared, entry: CacheEntry): boolean {
  return shared.clock.now() < entry.expiresAt;
}

// Headers meta is read from, one per entry: every hit on an entry reads the
// same ones, and building a Headers costs more than the rest of a hit.
const entryHeaders = new WeakMap<CacheEntry, Headers>();

/** An answer made from a stored entry. */
export function fromEntry(entry: CacheEntry, cache: CacheOutcome, attempts: number): Upstream {
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

/** A stored entry still inside its `stale-if-error` window, as an answer. */
export function staleOnError(shared: Shared, stored: CacheEntry | undefined): Upstream | undefined {
  if (!stored) return undefined;
  const window = readFreshness(new Headers(stored.headers), stored.storedAt).staleIfErrorMs;
  if (shared.clock.now() > stored.expiresAt + window) return undefined;
  return fromEntry(stored, "stale", 0);
}

/** Reports a store failure to the `storeError` hook; the call goes on without the store. */
export function storeError(shared: Shared, operation: "get" | "set", error: unknown): void {
  emit(shared.hooks.storeError, {
    store: shared.cache?.constructor.name ?? "cache",
    operation,
    error: error instanceof Error ? error : new Error(String(error)),
  });
}
