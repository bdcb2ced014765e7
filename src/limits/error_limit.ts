/**
 * ESI's error limit: 100 non-2xx/3xx answers per fixed 60 s window per source
 * IP, then 420 on every route until the window resets. The guard keeps the
 * budget it learns from `X-ESI-Error-Limit-*` headers and admits a call only
 * when even the failure of every call already in flight would leave the
 * reserve untouched.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { deadline } from "../http/timeout.ts";

/** The error budget as last reported, with when it resets. */
export interface ErrorBudget {
  /** Errors left in the window. */
  remain: number;
  /** When the window resets, in epoch milliseconds. */
  resetAt: number;
  /** After a 420: nothing may be sent before this time, in epoch milliseconds. */
  blockedUntil: number;
}

/**
 * Where an error budget is shared between clients that do not share memory
 * (isolates, instances): the gateway keeps it in Redis or Deno KV.
 */
export interface ErrorBudgetStore {
  /** Reads the shared budget, if any was written. */
  load(): Promise<ErrorBudget | undefined>;
  /**
   * Writes the budget. Writers race; readers merge (see {@link mergeBudgets}),
   * so a lost write costs at most a moment of optimism.
   *
   * @param budget The budget to share.
   */
  save(budget: ErrorBudget): Promise<void>;
}

/** Options of an {@link ErrorLimitGuard}. */
export interface ErrorLimitOptions {
  /**
   * Errors kept in reserve: below this, new calls wait for the window to
   * reset. Other processes behind the same IP spend the same budget.
   * @default 10
   */
  reserve?: number;
  /**
   * The budget of a fresh window, before any response reports it.
   * @default 100
   */
  limit?: number;
  /** A store through which clients without shared memory share one budget. */
  store?: ErrorBudgetStore;
  /**
   * How long a budget read from the store is trusted before it is read again, in milliseconds.
   * @default 250
   */
  storeSyncMs?: number;
  /**
   * The longest wait for the store, in milliseconds: past it the local view stands.
   * @default 1000
   */
  storeTimeoutMs?: number;
  /**
   * The clock that times the store's deadline.
   * @default systemClock
   */
  clock?: Clock;
}

// ESI reports whole seconds until the reset: the true reset may be up to a
// second later than the header says.
const resetMarginMs = 1_000;

/** Windows are 60 s apart; reset estimates of one window differ by rounding only. */
const SAME_WINDOW_MS = 5_000;

/**
 * Merges two views of the error budget: within the same window the smaller
 * remainder wins, a later window supersedes an earlier one, and a block lasts
 * as long as the longer of the two.
 *
 * @param a One view.
 * @param b The other.
 * @returns The merged view.
 * @example
 * ```ts
 * import { mergeBudgets } from "./error_limit.ts";
 * mergeBudgets({ remain: 50, resetAt: 1000, blockedUntil: 0 }, { remain: 40, resetAt: 1000, blockedUntil: 0 }).remain; // 40
 * ```
 */
export function mergeBudgets(a: ErrorBudget, b: ErrorBudget): ErrorBudget {
  const blockedUntil = Math.max(a.blockedUntil, b.blockedUntil);
  if (Math.abs(a.resetAt - b.resetAt) < SAME_WINDOW_MS) {
    return {
      remain: Math.min(a.remain, b.remain),
      resetAt: Math.max(a.resetAt, b.resetAt),
      blockedUntil,
    };
  }
  const later = a.resetAt > b.resetAt ? a : b;
  return { ...later, blockedUntil };
}

/** Whether a budget tells more than the one last shared: fewer errors left, a block, a new window. */
function tellsMore(budget: ErrorBudget, shared: ErrorBudget | undefined): boolean {
  return !shared || budget.remain < shared.remain || budget.blockedUntil > shared.blockedUntil ||
    Math.abs(budget.resetAt - shared.resetAt) >= SAME_WINDOW_MS;
}

/**
 * Keeps ESI's error budget and decides when a call may be sent.
 *
 * @example
 * ```ts
 * import { ErrorLimitGuard } from "./error_limit.ts";
 * const guard = new ErrorLimitGuard({ reserve: 10 });
 * guard.observe(new Headers({ "x-esi-error-limit-remain": "12", "x-esi-error-limit-reset": "30" }), 503, Date.now());
 * guard.waitMs(Date.now()); // 0: 12 left, reserve 10, nothing in flight
 * ```
 */
export class ErrorLimitGuard {
  readonly #reserve: number;
  readonly #limit: number;
  readonly #store?: ErrorBudgetStore;
  readonly #storeSyncMs: number;
  readonly #storeTimeoutMs: number;
  readonly #clock: Clock;
  #budget: ErrorBudget | undefined;
  /** The budget last written to the store. */
  #shared: ErrorBudget | undefined;
  #inFlight = 0;
  #syncedAt = -Infinity;
  #changed = Promise.withResolvers<void>();

  /**
   * Creates a guard that knows nothing yet: until an answer reports the
   * budget, it is a fresh window's (`limit`), so a burst can never spend it.
   *
   * @param options The reserve, the budget of a fresh window, and an optional shared store.
   */
  constructor(options: ErrorLimitOptions = {}) {
    this.#reserve = options.reserve ?? 10;
    this.#limit = options.limit ?? 100;
    this.#store = options.store;
    this.#storeSyncMs = options.storeSyncMs ?? 250;
    this.#storeTimeoutMs = options.storeTimeoutMs ?? 1_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** The budget as last known, or `undefined` before any response reported it. */
  get budget(): ErrorBudget | undefined {
    return this.#budget;
  }

  /** Resolves the next time a call settles or a response reports the budget. */
  get changed(): Promise<void> {
    return this.#changed.promise;
  }

  /** Calls admitted and not yet answered. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * How long a new call must wait before it may be sent: 0 when it may go
   * now, `Infinity` when only calls in flight stand in the way (wait for one
   * of them to settle: see {@link ErrorLimitGuard.changed}).
   *
   * @param now The current time, in epoch milliseconds.
   * @returns The wait in milliseconds.
   */
  waitMs(now: number): number {
    const budget = this.current(now);
    if (budget.blockedUntil > now) return budget.blockedUntil - now;
    // The budget itself is down to the reserve: only the reset brings room.
    if (budget.remain <= this.#reserve) return Math.max(1, budget.resetAt - now);
    // Every call in flight may yet fail: count them as spent until they settle.
    return budget.remain - this.#inFlight > this.#reserve ? 0 : Infinity;
  }

  /**
   * Whether the budget itself has no room (a 420's block, or the reserve
   * reached): only the window's reset helps. Calls in flight do not count.
   *
   * @param now The current time, in epoch milliseconds.
   * @returns `true` when nothing may be sent before the reset.
   */
  exhausted(now: number): boolean {
    const budget = this.current(now);
    return budget.blockedUntil > now || budget.remain <= this.#reserve;
  }

  /**
   * Reads the shared budget from the store when the local copy is older than
   * `storeSyncMs`. A store that fails is ignored: the local view stands.
   *
   * @param now The current time, in epoch milliseconds.
   */
  async sync(now: number): Promise<void> {
    const store = this.#store;
    if (!store || !this.needsSync(now)) return;
    this.#syncedAt = now;
    // A write that failed is tried again here: a blocked guard sends nothing,
    // so no answer would come to retry it, and the others would never learn.
    if (!this.#shared && this.#budget && this.#budget.resetAt > now) this.#share();
    try {
      const load = store.load();
      const shared = await deadline(load, this.#storeTimeoutMs, this.#clock);
      if (shared) this.#budget = this.#budget ? mergeBudgets(this.#budget, shared) : shared;
    } catch {
      // The shared view is an optimisation; the local one is always kept.
    }
  }

  /**
   * Whether {@link ErrorLimitGuard.sync} would read the store now.
   *
   * @param now The current time, in epoch milliseconds.
   * @returns `true` when a shared store is due to be read.
   */
  needsSync(now: number): boolean {
    return this.#store !== undefined && now - this.#syncedAt >= this.#storeSyncMs;
  }

  /** Counts a call as in flight; call {@link ErrorLimitGuard.settle} when it ends. */
  admit(): void {
    this.#inFlight++;
  }

  /**
   * Counts a call as ended and learns from its answer, if it got one.
   *
   * @param headers The response headers, or `undefined` when no answer came.
   * @param status The response status, or 0 when no answer came.
   * @param now The current time, in epoch milliseconds.
   */
  settle(headers: Headers | undefined, status: number, now: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (headers) this.observe(headers, status, now);
    this.#notify();
  }

  /**
   * Learns from a response's headers and status; a 420 blocks every call
   * until the window resets. An error whose answer does not report the
   * budget (a proxy's 502 while ESI is down, say) is still counted by ESI:
   * it spends one of the budget as known, or of a fresh window's.
   *
   * @param headers The response headers.
   * @param status The response status.
   * @param now The current time, in epoch milliseconds.
   */
  observe(headers: Headers, status: number, now: number): void {
    const remain = Number(headers.get("x-esi-error-limit-remain") ?? NaN);
    const reset = Number(headers.get("x-esi-error-limit-reset") ?? NaN);
    const known = Number.isFinite(remain) && Number.isFinite(reset);
    if (!known && status !== 420) {
      if (status >= 400) this.#spendUnreported(now);
      return;
    }
    const resetAt = known ? now + reset * 1000 + resetMarginMs : now + 60_000;
    const seen: ErrorBudget = {
      remain: known ? remain : 0,
      resetAt,
      blockedUntil: status === 420 ? resetAt : 0,
    };
    this.#budget = this.#budget && this.#budget.resetAt > now
      ? mergeBudgets(this.#budget, seen)
      : seen;
    this.#share();
  }

  #spendUnreported(now: number): void {
    const budget = this.current(now);
    this.#budget = { ...budget, remain: Math.max(0, budget.remain - 1) };
    this.#share();
  }

  /**
   * Writes the budget to the store when it tells the other instances
   * something new (fewer errors left, a block, another window): every answer
   * reports the budget, and writing each one was a store round trip per call.
   * A store that fails, even synchronously, is ignored, and asked again with
   * the next answer.
   */
  #share(): void {
    const store = this.#store;
    const budget = this.#budget;
    if (!store || !budget || !tellsMore(budget, this.#shared)) return;
    this.#shared = budget;
    const failed = () => {
      if (this.#shared === budget) this.#shared = undefined;
    };
    try {
      store.save(budget).catch(failed);
    } catch {
      failed(); // A store that throws at once (not an async one) failed all the same.
    }
  }

  #notify(): void {
    this.#changed.resolve();
    this.#changed = Promise.withResolvers<void>();
  }

  /**
   * The budget of the current window: an unknown or past window's budget is a fresh one.
   *
   * @param now The current time, in epoch milliseconds.
   * @returns The budget.
   */
  current(now: number): ErrorBudget {
    const budget = this.#budget;
    if (budget && budget.resetAt > now) return budget;
    return { remain: this.#limit, resetAt: now + 60_000, blockedUntil: budget?.blockedUntil ?? 0 };
  }
}
