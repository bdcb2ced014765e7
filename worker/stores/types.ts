/**
 * The gateway's own shared state besides the response cache: signature
 * nonces (each signature is accepted once), the counters of the embedded
 * caller limiter, and short string values (login states, sessions, sealed
 * tokens). Three stores: memory (one process), Deno KV (embedded default,
 * shared by the isolates of one Deno Deploy app) and Upstash Redis (nonces
 * and values: with Upstash, `@upstash/ratelimit` keeps its own counters).
 *
 * @module
 */

import type { Redis } from "@upstash/redis";
import { type Clock, systemClock } from "../src/clock.ts";

/** Where used signatures are remembered. */
export interface NonceStore {
  /** A name for logs and `/readyz`. */
  readonly name: string;
  /**
   * Records a nonce for `ttlMs` unless it is already recorded.
   *
   * @param key The nonce.
   * @param ttlMs How long to remember it.
   * @returns `true` on first use, `false` when it was already there (a replay).
   */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Resolves when the store answers; rejects when it does not. */
  ping(): Promise<void>;
}

/**
 * Short string values with an optional lifetime: login states, sessions and
 * the sealed token records (it fits `EncryptedTokenStore`'s backend).
 */
export interface ValueStore {
  /** A name for logs and `/readyz`. */
  readonly name: string;
  /**
   * Reads a value.
   * @param key The key.
   */
  get(key: string): Promise<string | undefined>;
  /**
   * Writes a value.
   * @param key The key.
   * @param value The value.
   * @param ttlMs How long to keep it; for ever when left out.
   */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /**
   * Removes a value.
   * @param key The key.
   */
  delete(key: string): Promise<void>;
  /**
   * Reads and removes a value in one atomic step: of concurrent takers, one
   * gets it (single-use values).
   * @param key The key.
   */
  take(key: string): Promise<string | undefined>;
}

/** One hit on a (sliding or fixed) window counter. */
export interface WindowHit {
  /** The key of the current window's counter. */
  current: string;
  /** The key of the previous window's counter, for a sliding window. */
  previous?: string;
  /** How much of the previous window still counts (0 to 1). */
  previousWeight: number;
  /** The requests allowed. */
  limit: number;
  /** How long the current counter lives, in milliseconds. */
  ttlMs: number;
  /**
   * How many requests to count: as many as fit are (a batch of callers
   * waiting on one counter).
   * @default 1
   */
  count?: number;
  /**
   * When all `count` fit: the share (0 to 1) of the room left after them to
   * reserve as well, for the caller to spend without asking the store again
   * (a lease). Reserved requests count as made.
   * @default 0
   */
  lease?: number;
}

/** The outcome of a {@link WindowHit}. */
export interface WindowOutcome {
  /** Whether the hit was counted (under the limit): at least one request of `count`. */
  allowed: boolean;
  /** The weighted count after the hit (before it, when refused). */
  used: number;
  /** How many of `count` were counted. */
  granted: number;
  /** How many more were reserved (`lease`). */
  leased: number;
  /** The current window's counter after the hit. */
  current: number;
  /** The previous window's counter (unweighted). */
  previous: number;
}

/**
 * Counts a hit against counters read as `current` and `previous`: the check
 * and the count of every store, in one place.
 */
export function countHit(hit: WindowHit, current: number, previous: number): WindowOutcome {
  const weighted = Math.floor(previous * hit.previousWeight);
  const room = Math.max(0, hit.limit - weighted - current);
  const count = hit.count ?? 1;
  const granted = Math.min(count, room);
  const leased = granted === count && hit.lease ? Math.floor((room - granted) * hit.lease) : 0;
  const after = current + granted + leased;
  return {
    allowed: granted > 0,
    used: weighted + (granted ? after : current),
    granted,
    leased,
    current: after,
    previous,
  };
}

/** Where the embedded limiter keeps its counters; each hit is atomic. */
export interface WindowStore {
  /** A name for logs and `/readyz`. */
  readonly name: string;
  /**
   * Counts one request unless the window is full: the check and the
   * increment are one atomic step, as in Upstash's Lua script.
   *
   * @param hit The counters and the limit.
   * @returns Whether it was allowed, and the count.
   */
  hit(hit: WindowHit): Promise<WindowOutcome>;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The clock that expires entries.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * How many keys before expired ones are swept.
   * @default 100000
   */
  sweepAt?: number;
}

/**
 * Nonces and counters in this process's memory: for tests and single-process
 * deployments.
 *
 * @example
 * ```ts
 * import { MemoryStore } from "./stores.ts";
 * const store = new MemoryStore();
 * await store.claim("sig", 60_000); // true
 * await store.claim("sig", 60_000); // false
 * ```
 */
export class MemoryStore implements NonceStore, WindowStore, ValueStore {
  readonly name = "memory";
  readonly #clock: Clock;
  readonly #sweepAt: number;
  readonly #entries = new Map<string, { value: number; expiresAt: number }>();
  readonly #values = new Map<string, { value: string; expiresAt: number }>();

  /** @param options The clock and the sweep threshold. */
  constructor({ clock = systemClock, sweepAt = 100_000 }: MemoryStoreOptions = {}) {
    this.#clock = clock;
    this.#sweepAt = sweepAt;
  }

  claim(key: string, ttlMs: number): Promise<boolean> {
    if (this.#read(key) !== undefined) return Promise.resolve(false);
    this.#write(key, 1, ttlMs);
    return Promise.resolve(true);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  get(key: string): Promise<string | undefined> {
    const entry = this.#values.get(key);
    if (entry && entry.expiresAt <= this.#clock.now()) this.#values.delete(key);
    else if (entry) return Promise.resolve(entry.value);
    return Promise.resolve(undefined);
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (this.#values.size >= this.#sweepAt) forgetExpired(this.#values, this.#clock.now());
    this.#values.set(key, { value, expiresAt: this.#clock.now() + (ttlMs ?? Infinity) });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.#values.delete(key);
    return Promise.resolve();
  }

  async take(key: string): Promise<string | undefined> {
    const value = await this.get(key);
    this.#values.delete(key);
    return value;
  }

  hit(hit: WindowHit): Promise<WindowOutcome> {
    const current = this.#read(hit.current) ?? 0;
    const previous = hit.previous ? this.#read(hit.previous) ?? 0 : 0;
    const outcome = countHit(hit, current, previous);
    if (outcome.current === current) return Promise.resolve(outcome);
    const entry = this.#entries.get(hit.current);
    if (entry && current > 0) entry.value = outcome.current; // keep the first hit's expiry
    else this.#write(hit.current, outcome.current, hit.ttlMs);
    return Promise.resolve(outcome);
  }

  #read(key: string): number | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  #write(key: string, value: number, ttlMs: number): void {
    if (this.#entries.size >= this.#sweepAt) forgetExpired(this.#entries, this.#clock.now());
    this.#entries.set(key, { value, expiresAt: this.#clock.now() + ttlMs });
  }
}

/** Deletes the entries of a map that have expired by `now`. */
function forgetExpired(entries: Map<string, { expiresAt: number }>, now: number): void {
  for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
}

/** A key of Deno KV. */
export type KvKey = readonly (string | number | bigint | boolean | Uint8Array)[];

/**
 * The part of `Deno.Kv` the gateway uses, named here so this file needs no
 * runtime global: `worker/deno.ts` passes `await Deno.openKv()`.
 */
export interface KvLike {
  /** Reads one key. */
  get<T = unknown>(key: KvKey): Promise<{ value: T | null; versionstamp: string | null }>;
  /** Starts an atomic operation. */
  atomic(): KvAtomic;
}

/** The part of `Deno.AtomicOperation` the gateway uses. */
export interface KvAtomic {
  /** Fails the commit unless each key still has this versionstamp (`null`: absent). */
  check(...checks: { key: KvKey; versionstamp: string | null }[]): KvAtomic;
  /** Writes a value, expiring it after `expireIn` milliseconds. */
  set(key: KvKey, value: unknown, options?: { expireIn?: number }): KvAtomic;
  /** Removes a key. */
  delete(key: KvKey): KvAtomic;
  /** Commits; `ok` is false when a check failed. */
  commit(): Promise<{ ok: boolean }>;
}

/** What the Deno KV store keeps under a key: a count and its own expiry. */
interface KvCount {
  n: number;
  exp: number;
}

/** What the Deno KV store keeps for a value: the string and its own expiry. */
interface KvValue {
  v: string;
  exp: number;
}

/** Options of {@link DenoKvStore}. */
export interface DenoKvStoreOptions {
  /** The opened Deno KV. */
  kv: KvLike;
  /**
   * The first part of every key.
   * @default "esikit-gateway"
   */
  prefix?: string;
  /**
   * The clock (entries carry their own expiry: KV's `expireIn` is lazy).
   * @default systemClock
   */
  clock?: Clock;
}

/**
 * Nonces and counters in Deno KV, atomic through versionstamp checks: shared
 * by every isolate of a Deno Deploy app, and on disk locally.
 *
 * @example
 * ```ts ignore
 * import { DenoKvStore } from "./stores.ts";
 * const store = new DenoKvStore({ kv: await Deno.openKv() });
 * await store.claim("sig", 60_000);
 * ```
 */
export class DenoKvStore implements NonceStore, WindowStore, ValueStore {
  readonly name = "deno-kv";
  readonly #kv: KvLike;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #batches = new Map<string, HitBatch>();

  /** @param options The KV, the key prefix and the clock. */
  constructor({ kv, prefix = "esikit-gateway", clock = systemClock }: DenoKvStoreOptions) {
    this.#kv = kv;
    this.#prefix = prefix;
    this.#clock = clock;
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const k = [this.#prefix, "nonce", key];
    for (let attempt = 0; attempt < 8; attempt++) {
      const found = await this.#kv.get<KvCount>(k);
      if (live(found.value, this.#clock.now())) return false;
      const now = this.#clock.now();
      const { ok } = await this.#kv.atomic()
        .check({ key: k, versionstamp: found.versionstamp })
        .set(k, { n: 1, exp: now + ttlMs }, { expireIn: ttlMs })
        .commit();
      if (ok) return true;
    }
    return false; // lost every race: someone else claimed it
  }

  async ping(): Promise<void> {
    await this.#kv.get([this.#prefix, "ping"]);
  }

  async get(key: string): Promise<string | undefined> {
    const found = await this.#kv.get<KvValue>([this.#prefix, "value", key]);
    return found.value && found.value.exp > this.#clock.now() ? found.value.v : undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const exp = ttlMs === undefined ? Number.MAX_SAFE_INTEGER : this.#clock.now() + ttlMs;
    const { ok } = await this.#kv.atomic()
      .set([this.#prefix, "value", key], { v: value, exp }, ttlMs ? { expireIn: ttlMs } : {})
      .commit();
    // The key's kind only: a session's key holds its id.
    if (!ok) {
      throw new Error(`Cannot write a "${key.split(":")[0]}" record to Deno KV: the commit failed`);
    }
  }

  async delete(key: string): Promise<void> {
    await this.#kv.atomic().delete([this.#prefix, "value", key]).commit();
  }

  async take(key: string): Promise<string | undefined> {
    const k = [this.#prefix, "value", key];
    for (let attempt = 0; attempt < 8; attempt++) {
      const found = await this.#kv.get<KvValue>(k);
      if (found.versionstamp === null) return undefined;
      const { ok } = await this.#kv.atomic()
        .check({ key: k, versionstamp: found.versionstamp })
        .delete(k)
        .commit();
      if (ok) return found.value && found.value.exp > this.#clock.now() ? found.value.v : undefined;
    }
    return undefined; // lost every race: another taker has it
  }

  hit(hit: WindowHit): Promise<WindowOutcome> {
    // Hits on one counter from this isolate are counted in batches, one
    // transaction per batch: throughput does not stop at one KV commit per
    // request, and optimistic retries only race other isolates.
    return new Promise((resolve, reject) => {
      let batch = this.#batches.get(hit.current);
      if (!batch) this.#batches.set(hit.current, batch = { waiting: [], running: false });
      batch.waiting.push({ hit, resolve, reject });
      if (!batch.running) this.#drain(hit.current, batch);
    });
  }

  async #drain(key: string, batch: HitBatch): Promise<void> {
    batch.running = true;
    while (batch.waiting.length) {
      const taken = batch.waiting;
      batch.waiting = [];
      try {
        const outcomes = await this.#hitMany(taken.map((w) => w.hit));
        taken.forEach((w, i) => w.resolve(outcomes[i]));
      } catch (error) {
        for (const w of taken) w.reject(error);
      }
    }
    batch.running = false;
    this.#batches.delete(key);
  }

  /** Counts hits on one counter, in order, in one transaction. */
  async #hitMany(hits: WindowHit[]): Promise<WindowOutcome[]> {
    const first = hits[0];
    const ck = [this.#prefix, "rl", first.current];
    const pk = first.previous ? [this.#prefix, "rl", first.previous] : undefined;
    for (let attempt = 0; attempt < 32; attempt++) {
      const now = this.#clock.now();
      const [cur, prev] = await Promise.all([
        this.#kv.get<KvCount>(ck),
        pk ? this.#kv.get<KvCount>(pk) : undefined,
      ]);
      let current = live(cur.value, now) ? cur.value!.n : 0;
      const counted = current;
      const previous = prev && live(prev.value, now) ? prev.value!.n : 0;
      const outcomes = hits.map((hit): WindowOutcome => {
        const outcome = countHit(hit, current, previous);
        current = outcome.current;
        return outcome;
      });
      if (current === counted) return outcomes; // all refused: nothing to write
      const exp = counted > 0 ? cur.value!.exp : now + first.ttlMs;
      const { ok } = await this.#kv.atomic()
        .check({ key: ck, versionstamp: cur.versionstamp })
        .set(ck, { n: current, exp }, { expireIn: Math.max(1, exp - now) })
        .commit();
      if (ok) return outcomes;
    }
    throw new Error(`Cannot count requests for "${first.current}": Deno KV kept conflicting`);
  }
}

/** Hits on one counter waiting for the transaction in flight. */
interface HitBatch {
  waiting: {
    hit: WindowHit;
    resolve: (outcome: WindowOutcome) => void;
    reject: (error: unknown) => void;
  }[];
  running: boolean;
}

function live(value: KvCount | null, now: number): boolean {
  return value !== null && value.exp > now;
}

/** Options of {@link UpstashNonceStore}. */
export interface UpstashNonceStoreOptions {
  /** The `@upstash/redis` client. */
  redis: Pick<Redis, "set" | "ping">;
  /**
   * The first part of every key.
   * @default "esikit-gateway"
   */
  prefix?: string;
}

/**
 * Nonces in Upstash Redis (`SET key 1 NX PX ttl`).
 *
 * @example
 * ```ts ignore
 * import { Redis } from "@upstash/redis";
 * import { UpstashNonceStore } from "./stores.ts";
 * const store = new UpstashNonceStore({ redis: new Redis({ url: "https://…", token: "…" }) });
 * ```
 */
export class UpstashNonceStore implements NonceStore {
  readonly name = "upstash";
  readonly #redis: Pick<Redis, "set" | "ping">;
  readonly #prefix: string;

  /** @param options The Redis client and the key prefix. */
  constructor({ redis, prefix = "esikit-gateway" }: UpstashNonceStoreOptions) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const set = await this.#redis.set(`${this.#prefix}:nonce:${key}`, 1, { nx: true, px: ttlMs });
    return set === "OK";
  }

  async ping(): Promise<void> {
    await this.#redis.ping();
  }
}

/** The part of `@upstash/redis` the value store uses. */
export type UpstashValueRedis = Pick<Redis, "get" | "set" | "del" | "getdel">;

/** Options of {@link UpstashValueStore}. */
export interface UpstashValueStoreOptions {
  /**
   * The `@upstash/redis` client, made with `automaticDeserialization: false`
   * (values are strings and must come back as such).
   */
  redis: UpstashValueRedis;
  /**
   * The first part of every key.
   * @default "esikit-gateway"
   */
  prefix?: string;
}

/**
 * Values in Upstash Redis: `SET … PX`, `GET`, `DEL`, and `GETDEL` for
 * single-use values.
 *
 * @example
 * ```ts ignore
 * import { Redis } from "@upstash/redis";
 * import { UpstashValueStore } from "./stores.ts";
 * const redis = new Redis({ url: "https://…", token: "…", automaticDeserialization: false });
 * const store = new UpstashValueStore({ redis });
 * ```
 */
export class UpstashValueStore implements ValueStore {
  readonly name = "upstash";
  readonly #redis: UpstashValueRedis;
  readonly #prefix: string;

  /** @param options The Redis client and the key prefix. */
  constructor({ redis, prefix = "esikit-gateway" }: UpstashValueStoreOptions) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async get(key: string): Promise<string | undefined> {
    return asString(await this.#redis.get(`${this.#prefix}:value:${key}`));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const k = `${this.#prefix}:value:${key}`;
    if (ttlMs === undefined) await this.#redis.set(k, value);
    else await this.#redis.set(k, value, { px: Math.max(1, Math.ceil(ttlMs)) });
  }

  async delete(key: string): Promise<void> {
    await this.#redis.del(`${this.#prefix}:value:${key}`);
  }

  async take(key: string): Promise<string | undefined> {
    return asString(await this.#redis.getdel(`${this.#prefix}:value:${key}`));
  }
}

function asString(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}
