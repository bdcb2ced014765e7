/**
 * Nonces, counters and values in Deno KV, atomic through versionstamp
 * checks. The KV is passed in (`worker/deno.ts` opens it), so this file uses
 * no runtime global.
 *
 * @module
 */

import { type Clock, systemClock } from "../../src/clock.ts";
import { type Bounded, bounded } from "./deadline.ts";
import type {
  KvLike,
  NonceStore,
  StoreDeadlineOptions,
  ValueStore,
  WindowHit,
  WindowOutcome,
  WindowStore,
} from "./types.ts";
import { countHit } from "./window.ts";

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
export interface DenoKvStoreOptions extends StoreDeadlineOptions {
  /** The opened Deno KV. */
  kv: KvLike;
  /**
   * The first part of every key.
   * @default "esikit-gateway"
   */
  prefix?: string;
}

/**
 * Nonces and counters in Deno KV, atomic through versionstamp checks: shared
 * by every isolate of a Deno Deploy app, and on disk locally.
 *
 * @example
 * ```ts ignore
 * import { DenoKvStore } from "./deno_kv.ts";
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
  readonly #within: Bounded;

  /**
   * @param options The KV, the key prefix, the clock (entries carry their own
   * expiry: KV's `expireIn` is lazy) and each call's deadline.
   */
  constructor(options: DenoKvStoreOptions) {
    const { kv, prefix = "esikit-gateway", clock = systemClock } = options;
    this.#kv = kv;
    this.#prefix = prefix;
    this.#clock = clock;
    this.#within = bounded(options);
  }

  claim(key: string, ttlMs: number): Promise<boolean> {
    return this.#within(this.#claim(key, ttlMs), "check a signature for replay");
  }

  ping(): Promise<void> {
    return this.#within(this.#kv.get([this.#prefix, "ping"]).then(() => {}), "ping the store");
  }

  get(key: string): Promise<string | undefined> {
    return this.#within(this.#get(key), "read a value");
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.#within(this.#set(key, value, ttlMs), "write a value");
  }

  delete(key: string): Promise<void> {
    return this.#within(this.#delete(key), "delete a value");
  }

  take(key: string): Promise<string | undefined> {
    return this.#within(this.#take(key), "take a value");
  }

  hit(hit: WindowHit): Promise<WindowOutcome> {
    return this.#within(this.#hit(hit), "count a request");
  }

  async #claim(key: string, ttlMs: number): Promise<boolean> {
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

  async #get(key: string): Promise<string | undefined> {
    const found = await this.#kv.get<KvValue>([this.#prefix, "value", key]);
    return found.value && found.value.exp > this.#clock.now() ? found.value.v : undefined;
  }

  async #set(key: string, value: string, ttlMs?: number): Promise<void> {
    const exp = ttlMs === undefined ? Number.MAX_SAFE_INTEGER : this.#clock.now() + ttlMs;
    const { ok } = await this.#kv.atomic()
      .set([this.#prefix, "value", key], { v: value, exp }, ttlMs ? { expireIn: ttlMs } : {})
      .commit();
    // The key's kind only: a session's key holds its id.
    if (!ok) {
      throw new Error(`Cannot write a "${key.split(":")[0]}" record to Deno KV: the commit failed`);
    }
  }

  async #delete(key: string): Promise<void> {
    await this.#kv.atomic().delete([this.#prefix, "value", key]).commit();
  }

  async #take(key: string): Promise<string | undefined> {
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

  #hit(hit: WindowHit): Promise<WindowOutcome> {
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
