/**
 * Nonces, counters and values in this process's memory: for tests and
 * single-process deployments.
 *
 * @module
 */

import { type Clock, systemClock } from "../../src/clock.ts";
import type { NonceStore, ValueStore, WindowHit, WindowOutcome, WindowStore } from "./types.ts";
import { countHit } from "./window.ts";

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
 * import { MemoryStore } from "./memory.ts";
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
