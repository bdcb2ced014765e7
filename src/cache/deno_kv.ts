/**
 * A cache store on Deno KV: the embedded default on Deno and Deno Deploy,
 * where a memory cache dies with the isolate. The only file in `src/` that
 * touches `Deno.*`.
 *
 * How an entry is kept (KV limits: 64 KiB per value, 2 KiB per key, 800 KiB
 * and 1000 mutations per atomic operation):
 *
 * - The key is kept as is up to 200 UTF-8 bytes, and as its SHA-256 beyond.
 * - An entry is encoded with {@link encodeEntry} (checksummed). Up to about
 *   62 KiB it lives inline in one *head* record.
 * - A larger one is split into 64 KiB *chunks* keyed by a fresh write id; the
 *   head names the write id and the chunk count. Chunks are written once and
 *   never changed, so a reader that follows a head either finds every chunk
 *   of that one write or misses — it can never assemble chunks of two writes.
 *   Up to 11 chunks (704 KiB), the chunks and the head are written in one
 *   atomic operation. Beyond, the chunks are written first, in as many atomic
 *   operations as they need, and the head is flipped to them last: a reader
 *   sees the old entry or the new one, whole.
 * - The flip deletes the replaced write's chunks, checked against the head it
 *   read; under contention it retries, and after a few tries flips unchecked,
 *   leaving the loser's chunks to expire.
 * - The drop time (write time plus TTL) is kept in the head and in the
 *   encoded entry and checked on every read through the injected clock,
 *   since KV's `expireIn` is lazy; `expireIn` is set as well, for clean-up.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import type { CacheEntry, CacheStore } from "./store.ts";
import { decodeEntry, encodeEntry } from "./codec.ts";
import { guard, type StoreHooks } from "./guard.ts";
import {
  CHUNK_BYTES,
  CHUNK_GRACE_MS,
  type Head,
  keyPart,
  keySize,
  MAX_CHECKED_TRIES,
  MAX_CHUNKS_WITH_HEAD,
  MAX_GET_MANY,
  MAX_INLINE_BYTES,
  MAX_OP_BYTES,
  MAX_OP_MUTATIONS,
  readHead,
} from "./kv_layout.ts";

// The types this entry point's API names, so that its documentation is whole.
export type { CacheEntry, CacheStore } from "./store.ts";
export type { StoreHooks } from "./guard.ts";
export type { Hook, StoreErrorEvent } from "../observe/hooks.ts";
export type { Clock } from "../clock.ts";

/**
 * Options of a {@link DenoKvCache}.
 *
 * @example
 * ```ts
 * import type { DenoKvCacheOptions } from "@esikit/esi/deno-kv";
 * const options: DenoKvCacheOptions = { path: "./esi-cache.sqlite3", prefix: ["myapp", "esi"] };
 * ```
 */
export interface DenoKvCacheOptions {
  /**
   * An open KV database to use. The caller keeps it and closes it; `close()`
   * leaves it open.
   * @default undefined
   */
  kv?: Deno.Kv;
  /**
   * Where to open a KV database when no `kv` is given: a file path, or
   * `":memory:"`. Omitted, Deno's default database (on Deno Deploy, the
   * project's).
   * @default undefined
   */
  path?: string;
  /**
   * The key prefix of every record this store writes, to share a database.
   * @default ["esikit", "cache"]
   */
  prefix?: Deno.KvKey;
  /**
   * The clock that expiry is checked against.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Where KV failures are reported; a failed read is a miss, a failed write
   * or delete a no-op.
   * @default undefined
   */
  hooks?: StoreHooks;
}

/**
 * A {@link CacheStore} on Deno KV, for caches that outlive the isolate on
 * Deno and Deno Deploy. Entries of any size (chunked past KV's 64 KiB value
 * limit, read back whole or not at all), expiry checked on read, KV failures
 * reported through `hooks.storeError` and read as misses.
 *
 * Deno KV is unstable in Deno 2: run with `deno run --unstable-kv`, or put
 * `"unstable": ["kv"]` in your `deno.json` (Deno Deploy has it on).
 *
 * @example On disk, closed when done
 * ```ts
 * import { EsiClient } from "@esikit/esi";
 * import { DenoKvCache } from "@esikit/esi/deno-kv";
 *
 * const cache = await DenoKvCache.open({ path: ":memory:" });
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)", cache });
 * // … use esi …
 * await cache.close();
 * ```
 *
 * @example Sharing a KV database the application already opened
 * ```ts
 * import { DenoKvCache } from "@esikit/esi/deno-kv";
 *
 * const kv = await Deno.openKv(":memory:");
 * const cache = new DenoKvCache({ kv, prefix: ["myapp", "esi"] });
 * await cache.get("GET https://esi.evetech.net/status"); // undefined
 * kv.close();
 * ```
 */
export class DenoKvCache implements CacheStore {
  readonly #prefix: Deno.KvKey;
  readonly #clock: Clock;
  readonly #hooks?: StoreHooks;
  readonly #path?: string;
  readonly #owned: boolean;
  #kv?: Deno.Kv;
  #opening?: Promise<Deno.Kv>;
  #closed = false;

  /**
   * Creates the store. Without `kv`, the database is opened on first use
   * (use {@link DenoKvCache.open} to open it up front and fail early).
   *
   * @param options The database, the key prefix, the clock and the hooks.
   */
  constructor(options: DenoKvCacheOptions = {}) {
    this.#prefix = options.prefix ?? ["esikit", "cache"];
    this.#clock = options.clock ?? systemClock;
    this.#hooks = options.hooks;
    this.#path = options.path;
    this.#kv = options.kv;
    this.#owned = options.kv === undefined;
  }

  /**
   * Creates the store and opens its database now.
   *
   * @param options As for the constructor.
   * @returns The store, its database open.
   * @throws When the database cannot be opened.
   * @example
   * ```ts
   * import { DenoKvCache } from "@esikit/esi/deno-kv";
   * const cache = await DenoKvCache.open({ path: ":memory:" });
   * await cache.close();
   * ```
   */
  static async open(options: DenoKvCacheOptions = {}): Promise<DenoKvCache> {
    const cache = new DenoKvCache(options);
    await cache.#open();
    return cache;
  }

  /**
   * Reads an entry: `undefined` when there is none, when it has outlived its
   * TTL by the clock, when it cannot be read whole, or when KV fails.
   *
   * @param key The cache key.
   * @returns The entry, or `undefined`.
   */
  get(key: string): Promise<CacheEntry | undefined> {
    return guard("deno-kv", "get", this.#hooks, undefined, () => this.#get(key));
  }

  /**
   * Writes an entry, to be dropped `ttlMs` from now; a `ttlMs` of zero or less
   * deletes it instead.
   *
   * @param key The cache key.
   * @param entry The entry.
   * @param ttlMs How long to keep it, in milliseconds.
   */
  set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    return guard("deno-kv", "set", this.#hooks, undefined, () => this.#set(key, entry, ttlMs));
  }

  /**
   * Removes an entry and its chunks.
   *
   * @param key The cache key.
   */
  delete(key: string): Promise<void> {
    return guard("deno-kv", "delete", this.#hooks, undefined, () => this.#delete(key));
  }

  /**
   * Closes the database if this store opened it; a database passed in as
   * `kv` stays open.
   *
   * @example
   * ```ts
   * import { DenoKvCache } from "@esikit/esi/deno-kv";
   * const cache = await DenoKvCache.open({ path: ":memory:" });
   * await cache.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#owned) return;
    const kv = this.#kv ?? await this.#opening?.catch(() => undefined);
    kv?.close();
  }

  #open(): Promise<Deno.Kv> {
    if (this.#closed) return Promise.reject(new Error("the store is closed"));
    if (this.#kv) return Promise.resolve(this.#kv);
    this.#opening ??= Deno.openKv(this.#path).then(
      (kv) => {
        if (this.#closed) {
          kv.close();
          throw new Error("the store is closed");
        }
        return this.#kv = kv;
      },
      (error) => {
        // Let the next call try again.
        this.#opening = undefined;
        throw error;
      },
    );
    return this.#opening;
  }

  #headKey(part: Deno.KvKeyPart): Deno.KvKey {
    return [...this.#prefix, "h", part];
  }

  #chunkKey(part: Deno.KvKeyPart, id: string, index: number): Deno.KvKey {
    return [...this.#prefix, "c", part, id, index];
  }

  async #get(key: string): Promise<CacheEntry | undefined> {
    const kv = await this.#open();
    const part = await keyPart(key);
    const headKey = this.#headKey(part);
    // A second try covers a writer that replaced the entry between our read
    // of the head and of its chunks.
    for (let attempt = 0; attempt < 2; attempt++) {
      const head = readHead((await kv.get(headKey)).value);
      if (!head || head.until <= this.#clock.now()) return undefined;
      let bytes: Uint8Array | undefined;
      if (head.data) {
        bytes = head.data;
      } else {
        bytes = await this.#readChunks(kv, part, head);
        if (!bytes) continue;
      }
      const decoded = decodeEntry(bytes);
      if (!decoded || decoded.keepUntil <= this.#clock.now()) return undefined;
      return decoded.entry;
    }
    return undefined;
  }

  async #readChunks(
    kv: Deno.Kv,
    part: Deno.KvKeyPart,
    head: Head,
  ): Promise<Uint8Array | undefined> {
    const { id, n, len } = head as Required<Head>;
    const keys = Array.from({ length: n }, (_, i) => this.#chunkKey(part, id, i));
    const batches: Promise<Deno.KvEntryMaybe<unknown>[]>[] = [];
    for (let i = 0; i < keys.length; i += MAX_GET_MANY) {
      batches.push(kv.getMany(keys.slice(i, i + MAX_GET_MANY)));
    }
    const out = new Uint8Array(len);
    let offset = 0;
    for (const entries of await Promise.all(batches)) {
      for (const { value } of entries) {
        if (!(value instanceof Uint8Array) || offset + value.length > len) return undefined;
        out.set(value, offset);
        offset += value.length;
      }
    }
    return offset === len ? out : undefined;
  }

  async #set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    if (!(ttlMs > 0)) return this.#delete(key);
    const kv = await this.#open();
    const part = await keyPart(key);
    const until = this.#clock.now() + ttlMs;
    const bytes = encodeEntry(entry, until);
    const expireIn = Math.ceil(ttlMs);
    if (bytes.length <= MAX_INLINE_BYTES) {
      return this.#flip(kv, part, { v: 1, until, data: bytes }, expireIn, []);
    }
    const id = crypto.randomUUID();
    const chunks: Mutation[] = [];
    for (let i = 0, offset = 0; offset < bytes.length; i++, offset += CHUNK_BYTES) {
      const key = this.#chunkKey(part, id, i);
      const value = bytes.subarray(offset, offset + CHUNK_BYTES);
      chunks.push({ key, value, size: keySize(key) + value.length });
    }
    const head: Head = { v: 1, until, id, n: chunks.length, len: bytes.length };
    const chunkExpireIn = expireIn + CHUNK_GRACE_MS;
    if (chunks.length <= MAX_CHUNKS_WITH_HEAD) {
      return this.#flip(kv, part, head, expireIn, chunks, chunkExpireIn);
    }
    // Too big for one atomic operation: chunks first, under a write id no
    // head names yet, then the head, so no reader sees a partial write.
    let op = kv.atomic();
    let size = 0;
    let count = 0;
    for (const chunk of chunks) {
      if (count > 0 && (size + chunk.size > MAX_OP_BYTES || count >= MAX_OP_MUTATIONS)) {
        await commitOrThrow(op);
        op = kv.atomic();
        size = count = 0;
      }
      op.set(chunk.key, chunk.value, { expireIn: chunkExpireIn });
      size += chunk.size;
      count++;
    }
    await commitOrThrow(op);
    return this.#flip(kv, part, head, expireIn, []);
  }

  /**
   * Points the head at a new write (with its chunks, when they fit in the same
   * atomic operation) and deletes the chunks of the write it replaces.
   */
  async #flip(
    kv: Deno.Kv,
    part: Deno.KvKeyPart,
    head: Head,
    expireIn: number,
    chunks: Mutation[],
    chunkExpireIn: number = expireIn,
  ): Promise<void> {
    const headKey = this.#headKey(part);
    for (let attempt = 0;; attempt++) {
      const old = await kv.get(headKey);
      const checked = attempt < MAX_CHECKED_TRIES;
      const op = kv.atomic();
      if (checked) op.check(old);
      let size = keySize(headKey) + (head.data?.length ?? 0) + 64;
      let count = 1 + chunks.length;
      for (const chunk of chunks) {
        op.set(chunk.key, chunk.value, { expireIn: chunkExpireIn });
        size += chunk.size;
      }
      op.set(headKey, head, { expireIn });
      const previous = readHead(old.value);
      if (previous?.id && previous.n) {
        for (let i = 0; i < previous.n; i++) {
          const key = this.#chunkKey(part, previous.id, i);
          const bytes = keySize(key);
          // What does not fit is left to expire.
          if (size + bytes > MAX_OP_BYTES || count >= MAX_OP_MUTATIONS) break;
          op.delete(key);
          size += bytes;
          count++;
        }
      }
      const result = await op.commit();
      if (result.ok || !checked) return;
    }
  }

  async #delete(key: string): Promise<void> {
    const kv = await this.#open();
    const part = await keyPart(key);
    const headKey = this.#headKey(part);
    for (let attempt = 0;; attempt++) {
      const old = await kv.get(headKey);
      if (old.versionstamp === null) return;
      const checked = attempt < MAX_CHECKED_TRIES;
      const op = kv.atomic();
      if (checked) op.check(old);
      op.delete(headKey);
      const previous = readHead(old.value);
      if (previous?.id && previous.n) {
        const n = Math.min(previous.n, MAX_OP_MUTATIONS);
        for (let i = 0; i < n; i++) op.delete(this.#chunkKey(part, previous.id, i));
      }
      const result = await op.commit();
      if (result.ok || !checked) return;
    }
  }
}

interface Mutation {
  key: Deno.KvKey;
  value: Uint8Array;
  size: number;
}

async function commitOrThrow(op: Deno.AtomicOperation): Promise<void> {
  const result = await op.commit();
  if (!result.ok) throw new Error("Cannot write cache entry chunks: the atomic operation failed");
}
