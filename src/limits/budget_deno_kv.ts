/**
 * ESI's error budget in Deno KV (an adapter: the KV is passed in, no runtime
 * global is used), shared, so that every isolate and instance
 * behind one address spends one budget: the client's `ErrorLimitGuard`
 * saves what each answer reports and reads the shared view back (at most
 * every `storeSyncMs`). A save MERGES with what is stored, atomically — in
 * one window the lower remainder wins, a later window supersedes, a 420 block
 * lasts as long as the longer one — so concurrent writers never replace a
 * lower remainder with a higher one.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { type Deadline, STORE_TIMEOUT_MS, withDeadline } from "../deadline.ts";
import { budgetTtlMs } from "./budget_keep.ts";
import { type ErrorBudget, type ErrorBudgetStore, mergeBudgets } from "./error_limit.ts";

/** A key of Deno KV. */
export type KvKey = readonly (string | number | bigint | boolean | Uint8Array)[];

/**
 * The part of `Deno.Kv` the stores use, named here so no file needs the
 * runtime global: `worker/deno.ts` passes `await Deno.openKv()`.
 */
export interface KvLike {
  /** Reads one key. */
  get<T = unknown>(key: KvKey): Promise<{ value: T | null; versionstamp: string | null }>;
  /** Starts an atomic operation. */
  atomic(): KvAtomic;
}

/** The part of `Deno.AtomicOperation` the stores use. */
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
   * The clock (for the key's lifetime and the deadline).
   * @default systemClock
   */
  clock?: Clock;
  /**
   * How long each call may take, in milliseconds: past it the call fails
   * with `StoreTimeoutError` (the guard then keeps its own view); 0 waits
   * for ever.
   * @default 1000
   */
  timeoutMs?: number;
}

/**
 * The error budget in Deno KV: a compare-and-set loop on the versionstamp
 * that merges with the stored value.
 *
 * @example
 * ```ts ignore
 * import { EsiClient } from "../client/client.ts";
 * import { DenoKvBudgetStore } from "./budget_deno_kv.ts";
 * const store = new DenoKvBudgetStore({ kv: await Deno.openKv() });
 * new EsiClient({ userAgent: "MyApp/1.0", limits: { errorLimit: { store } } });
 * ```
 */
export class DenoKvBudgetStore implements ErrorBudgetStore {
  readonly #kv: KvLike;
  readonly #key: readonly string[];
  readonly #clock: Clock;
  readonly #deadline: Deadline;
  #pending: ErrorBudget | undefined;
  #flush: Promise<void> | undefined;

  /** @param options The KV, the key, the clock and each call's deadline. */
  constructor(
    {
      kv,
      key = ["esikit-gateway", "esi-error-budget"],
      clock = systemClock,
      timeoutMs = STORE_TIMEOUT_MS,
    }: DenoKvBudgetStoreOptions,
  ) {
    this.#kv = kv;
    this.#key = key;
    this.#clock = clock;
    this.#deadline = { ms: timeoutMs, clock };
  }

  async load(): Promise<ErrorBudget | undefined> {
    const found = await withDeadline(
      this.#kv.get(this.#key),
      "read the error budget",
      this.#deadline,
    );
    return isBudget(found.value) ? found.value : undefined;
  }

  save(budget: ErrorBudget): Promise<void> {
    // Saves from this isolate are merged while one is being written: one
    // transaction per batch, so its own writers do not race each other.
    this.#pending = this.#pending ? mergeBudgets(this.#pending, budget) : budget;
    return withDeadline(this.#flush ??= this.#run(), "save the error budget", this.#deadline);
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
        .set(this.#key, merged, { expireIn: budgetTtlMs(merged, this.#clock.now()) })
        .commit();
      if (ok) return;
    }
    throw new Error("Cannot save the error budget: Deno KV kept conflicting");
  }
}
