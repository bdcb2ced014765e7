/**
 * ESI's error budget in the shared store, so that every isolate and instance
 * behind one address spends one budget: the client's `ErrorLimitGuard`
 * saves what each answer reports and reads the shared view back (at most
 * every `storeSyncMs`). A save MERGES with what is stored, atomically — in
 * one window the lower remainder wins, a later window supersedes, a 420 block
 * lasts as long as the longer one — so concurrent writers never replace a
 * lower remainder with a higher one.
 *
 * @module
 */

import type { Redis } from "@upstash/redis";
import { type Clock, systemClock } from "../src/clock.ts";
import {
  type ErrorBudget,
  type ErrorBudgetStore,
  mergeBudgets,
} from "../src/limits/error_limit.ts";
import type { KvLike } from "./stores.ts";

/** How long a stored budget outlives its window, in milliseconds. */
const KEEP_MS = 120_000;

function ttlOf(budget: ErrorBudget, now: number): number {
  return Math.max(1_000, Math.max(budget.resetAt, budget.blockedUntil) - now + KEEP_MS);
}

function isBudget(value: unknown): value is ErrorBudget {
  const b = value as ErrorBudget;
  return typeof b === "object" && b !== null && typeof b.remain === "number" &&
    typeof b.resetAt === "number" && typeof b.blockedUntil === "number";
}

/** Options of {@link DenoKvBudgetStore}. */
export interface DenoKvBudgetStoreOptions {
  /** The opened Deno KV. */
  kv: KvLike;
  /**
   * The key.
   * @default ["esikit-gateway", "esi-error-budget"]
   */
  key?: readonly string[];
  /**
   * The clock (for the key's lifetime).
   * @default systemClock
   */
  clock?: Clock;
}

/**
 * The error budget in Deno KV: a compare-and-set loop on the versionstamp
 * that merges with the stored value.
 *
 * @example
 * ```ts ignore
 * import { EsiClient } from "../src/client.ts";
 * import { DenoKvBudgetStore } from "./error_budget.ts";
 * const store = new DenoKvBudgetStore({ kv: await Deno.openKv() });
 * new EsiClient({ userAgent: "MyApp/1.0", limits: { errorLimit: { store } } });
 * ```
 */
export class DenoKvBudgetStore implements ErrorBudgetStore {
  readonly #kv: KvLike;
  readonly #key: readonly string[];
  readonly #clock: Clock;
  #pending: ErrorBudget | undefined;
  #flush: Promise<void> | undefined;

  /** @param options The KV, the key and the clock. */
  constructor(
    { kv, key = ["esikit-gateway", "esi-error-budget"], clock = systemClock }:
      DenoKvBudgetStoreOptions,
  ) {
    this.#kv = kv;
    this.#key = key;
    this.#clock = clock;
  }

  async load(): Promise<ErrorBudget | undefined> {
    const found = await this.#kv.get(this.#key);
    return isBudget(found.value) ? found.value : undefined;
  }

  save(budget: ErrorBudget): Promise<void> {
    // Saves from this isolate are merged while one is being written: one
    // transaction per batch, so its own writers do not race each other.
    this.#pending = this.#pending ? mergeBudgets(this.#pending, budget) : budget;
    return this.#flush ??= this.#run();
  }

  async #run(): Promise<void> {
    try {
      while (this.#pending) {
        const budget = this.#pending;
        this.#pending = undefined;
        await this.#write(budget);
      }
    } finally {
      this.#flush = undefined;
    }
  }

  async #write(budget: ErrorBudget): Promise<void> {
    for (let attempt = 0; attempt < 16; attempt++) {
      const found = await this.#kv.get(this.#key);
      const stored = isBudget(found.value) ? found.value : undefined;
      const merged = stored ? mergeBudgets(stored, budget) : budget;
      if (
        stored && stored.remain === merged.remain && stored.resetAt === merged.resetAt &&
        stored.blockedUntil === merged.blockedUntil
      ) return; // the store already knows as much
      const { ok } = await this.#kv.atomic()
        .check({ key: this.#key, versionstamp: found.versionstamp })
        .set(this.#key, merged, { expireIn: ttlOf(merged, this.#clock.now()) })
        .commit();
      if (ok) return;
    }
    throw new Error("Cannot save the error budget: Deno KV kept conflicting");
  }
}

/**
 * Merges the given budget into the stored one in one step, as
 * `mergeBudgets` does: `remain:resetAt:blockedUntil`, integers.
 */
const MERGE_SCRIPT = `
local r, t, b = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cur = redis.call('GET', KEYS[1])
if cur then
  local cr, ct, cb = string.match(cur, '^(%-?%d+):(%d+):(%d+)$')
  cr, ct, cb = tonumber(cr), tonumber(ct), tonumber(cb)
  if cr and ct and cb then
    b = math.max(b, cb)
    if math.abs(ct - t) < 5000 then
      r = math.min(r, cr)
      t = math.max(t, ct)
    elseif ct > t then
      r = cr
      t = ct
    end
  end
end
redis.call('SET', KEYS[1], string.format('%d:%d:%d', r, t, b), 'PX', ARGV[4])
return 1
`;

/** Options of {@link UpstashBudgetStore}. */
export interface UpstashBudgetStoreOptions {
  /** The `@upstash/redis` client. */
  redis: Pick<Redis, "get" | "eval">;
  /**
   * The key.
   * @default "esikit-gateway:esi-error-budget"
   */
  key?: string;
  /**
   * The clock (for the key's lifetime).
   * @default systemClock
   */
  clock?: Clock;
}

/**
 * The error budget in Upstash Redis: a Lua script (EVAL) reads, merges and
 * writes in one atomic step.
 *
 * @example
 * ```ts ignore
 * import { Redis } from "@upstash/redis";
 * import { UpstashBudgetStore } from "./error_budget.ts";
 * const store = new UpstashBudgetStore({ redis: new Redis({ url: "https://…", token: "…" }) });
 * ```
 */
export class UpstashBudgetStore implements ErrorBudgetStore {
  readonly #redis: Pick<Redis, "get" | "eval">;
  readonly #key: string;
  readonly #clock: Clock;

  /** @param options The Redis client, the key and the clock. */
  constructor(
    { redis, key = "esikit-gateway:esi-error-budget", clock = systemClock }:
      UpstashBudgetStoreOptions,
  ) {
    this.#redis = redis;
    this.#key = key;
    this.#clock = clock;
  }

  async load(): Promise<ErrorBudget | undefined> {
    const text = await this.#redis.get(this.#key);
    const m = /^(-?\d+):(\d+):(\d+)$/.exec(String(text ?? ""));
    return m
      ? { remain: Number(m[1]), resetAt: Number(m[2]), blockedUntil: Number(m[3]) }
      : undefined;
  }

  async save(budget: ErrorBudget): Promise<void> {
    const args = [
      Math.floor(budget.remain),
      Math.ceil(budget.resetAt),
      Math.ceil(budget.blockedUntil),
      Math.ceil(ttlOf(budget, this.#clock.now())),
    ].map(String);
    await this.#redis.eval(MERGE_SCRIPT, [this.#key], args);
  }
}
