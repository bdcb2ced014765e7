/**
 * The embedded limiter: without Upstash (where `@upstash/ratelimit` limits,
 * see `upstash.ts`), it runs the same algorithms (Upstash's
 * weighted sliding window, or a fixed window) over memory or Deno KV and
 * answers in the same shape, so the middleware cannot tell them apart.
 *
 * @module
 */

import { type Clock, systemClock } from "../../src/clock.ts";
import type { TierLimit } from "../config.ts";
import type { WindowStore } from "../stores/types.ts";
import { STORE_TIMEOUT_MS, withDeadline } from "../stores/deadline.ts";
import { type CallerLimiter, type LimitResult, NO_PENDING, tierOf } from "./types.ts";

/** Options of {@link embeddedLimiter}. */
export interface EmbeddedLimiterOptions {
  /** Where the counters live. */
  store: WindowStore;
  /** The tiers by name. */
  tiers: Readonly<Record<string, TierLimit>>;
  /**
   * The clock.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The first part of every key.
   * @default "esikit-ratelimit"
   */
  prefix?: string;
  /**
   * How long a request waits for the store before the limiter fails (and the
   * middleware fails open or closed); 0 waits for ever.
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * The share of a caller's room left in the window that an instance reserves
   * in the store whenever it asks it (0 to 1). Reserved requests are counted
   * as made, and this instance admits them without asking the store again:
   * no store round trip per request while there is room. Never more than the
   * limit is admitted across instances; what one instance has reserved and not
   * used when the window ends is lost to the others (at most this share of the
   * room at the time it was reserved). 0: every request asks the store.
   * @default 1/8
   */
  lease?: number;
}

/** A caller's counter in one window, as this instance knows it. */
interface Slot {
  window: number;
  /** The tier's window length: slots of every tier share one map. */
  windowMs: number;
  /** Requests reserved in the store and not yet admitted. */
  lease: number;
  /** The counters as the store last answered. */
  current: number;
  previous: number;
  /** Callers waiting for the store. */
  waiting: { resolve: (admitted: boolean) => void; reject: (error: unknown) => void }[];
  running: boolean;
}

/**
 * A limiter over an embedded store, with `@upstash/ratelimit`'s algorithms:
 * the sliding window weighs the previous fixed window's count by how much of
 * it still overlaps the sliding one.
 *
 * Each instance reserves part of a caller's room in the store (`lease`) and
 * admits from it locally, so while there is room a request costs no store
 * round trip; callers waiting on the store are counted in one hit. Exact in
 * one instance, and never over the limit across instances.
 *
 * @param options The store, tiers, clock, key prefix, store timeout and lease share.
 * @returns The limiter.
 * @example
 * ```ts
 * import { embeddedLimiter } from "./embedded.ts";
 * import { MemoryStore } from "../stores/memory.ts";
 * const limiter = embeddedLimiter({
 *   store: new MemoryStore(),
 *   tiers: { anonymous: { limit: 2, window: "60 s", windowMs: 60_000, algorithm: "sliding" } },
 * });
 * (await limiter.limit("ip:127.0.0.1", "anonymous")).remaining; // 1
 * ```
 */
export function embeddedLimiter(
  {
    store,
    tiers,
    clock = systemClock,
    prefix = "esikit-ratelimit",
    lease = 1 / 8,
    timeoutMs = STORE_TIMEOUT_MS,
  }: EmbeddedLimiterOptions,
): CallerLimiter {
  if (!(lease >= 0 && lease <= 1)) {
    throw new RangeError(`Cannot create the limiter: lease "${lease}" is not between 0 and 1`);
  }
  const slots = new Map<string, Slot>();

  const weightAt = (tier: TierLimit, window: number, now: number) =>
    tier.algorithm === "sliding"
      ? Math.min(1, Math.max(0, 1 - (now - window * tier.windowMs) / tier.windowMs))
      : 0;

  const decide = (tier: TierLimit, slot: Slot, admitted: boolean): LimitResult => {
    const weighted = Math.floor(slot.previous * weightAt(tier, slot.window, clock.now()));
    return {
      success: admitted,
      limit: tier.limit,
      remaining: admitted
        ? Math.max(0, Math.min(tier.limit, tier.limit - weighted - slot.current + slot.lease))
        : 0,
      reset: (slot.window + 1) * tier.windowMs,
      pending: NO_PENDING,
    };
  };

  const drain = async (tierName: string, tier: TierLimit, key: string, slot: Slot) => {
    slot.running = true;
    const base = `${prefix}:${tierName}:${key}`;
    const sliding = tier.algorithm === "sliding";
    while (slot.waiting.length) {
      while (slot.lease > 0 && slot.waiting.length) {
        slot.lease--;
        slot.waiting.shift()!.resolve(true);
      }
      if (!slot.waiting.length) break;
      const taken = slot.waiting;
      slot.waiting = [];
      try {
        const outcome = await withDeadline(
          store.hit({
            current: `${base}:${slot.window}`,
            previous: sliding ? `${base}:${slot.window - 1}` : undefined,
            previousWeight: weightAt(tier, slot.window, clock.now()),
            limit: tier.limit,
            // Long enough to be the previous window of the next one, as Upstash's script.
            ttlMs: sliding ? tier.windowMs * 2 + 1_000 : tier.windowMs,
            count: taken.length,
            lease,
          }),
          "count a request",
          { ms: timeoutMs, clock },
        );
        slot.current = outcome.current;
        slot.previous = outcome.previous;
        slot.lease += outcome.leased;
        taken.forEach((w, i) => w.resolve(i < outcome.granted));
      } catch (error) {
        for (const w of taken) w.reject(error);
      }
    }
    slot.running = false;
  };

  // Room this instance reserved in the store, used without asking it.
  const admitFromLease = (tier: TierLimit, slot: Slot): LimitResult | undefined => {
    if (slot.lease <= 0 || slot.waiting.length) return undefined;
    slot.lease--;
    return decide(tier, slot, true);
  };

  return {
    name: `embedded (${store.name})`,
    admitNow(identifier: string, tierName: string): LimitResult | undefined {
      const tier = Object.hasOwn(tiers, tierName) ? tiers[tierName] : undefined;
      const slot = tier && slots.get(`${tierName}:${identifier}`);
      if (!slot || slot.window !== Math.floor(clock.now() / tier.windowMs)) return undefined;
      return admitFromLease(tier, slot);
    },
    limit(identifier: string, tierName: string): Promise<LimitResult> {
      let tier: TierLimit;
      try {
        tier = tierOf(tiers, tierName);
      } catch (error) {
        return Promise.reject(error);
      }
      const window = Math.floor(clock.now() / tier.windowMs);
      const key = `${tierName}:${identifier}`;
      let slot = slots.get(key);
      if (!slot || slot.window !== window) {
        if (slots.size >= MAX_SLOTS) forgetSlots(slots, clock.now());
        slot = {
          window,
          windowMs: tier.windowMs,
          lease: 0,
          current: 0,
          previous: 0,
          waiting: [],
          running: false,
        };
        slots.set(key, slot);
      }
      const admitted = admitFromLease(tier, slot);
      if (admitted) return Promise.resolve(admitted);
      const s = slot;
      return new Promise<boolean>((resolve, reject) => {
        s.waiting.push({ resolve, reject });
        if (!s.running) drain(tierName, tier, identifier, s);
      }).then((admitted) => decide(tier, s, admitted));
    },
  };
}

/** The callers an embedded limiter keeps counters for before it forgets some. */
const MAX_SLOTS = 10_000;

/**
 * Makes room among the callers' slots: first those of windows that have
 * ended (they hold nothing usable), then, if that is not a tenth of them, the
 * oldest. A slot forgotten early loses what it had reserved in the store,
 * which only admits fewer, never more; a slot waiting on the store is kept.
 */
function forgetSlots(slots: Map<string, Slot>, now: number): void {
  for (const [key, slot] of slots) {
    if (!slot.running && slot.window < Math.floor(now / slot.windowMs)) slots.delete(key);
  }
  for (const [key, slot] of slots) {
    if (slots.size < MAX_SLOTS * 0.9) break;
    if (!slot.running) slots.delete(key);
  }
}
