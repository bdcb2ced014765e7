import type { Clock } from "../clock.ts";

interface Sleeper {
  at: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Options of a {@link FakeClock}. */
export interface FakeClockOptions {
  /**
   * The start time, in epoch milliseconds.
   * @default Date.UTC(2026, 6, 17, 12)
   */
  start?: number;
  /**
   * Jump time forward whenever every pending wait could only end by time
   * passing: a `sleep(2000)` then resolves at once, with `now()` 2 s later.
   * Tests run instantly and their time arithmetic stays exact.
   * @default false
   */
  autoAdvance?: boolean;
}

/**
 * A clock whose time moves only when told to (or, with `autoAdvance`, only as
 * far as the next wait needs). For tests of timing behaviour without sleeps.
 *
 * @example
 * ```ts
 * import { FakeClock } from "@esikit/esi/testing";
 * const clock = new FakeClock();
 * const woke = clock.sleep(2_000);
 * await clock.advance(2_000);
 * await woke;
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];
  #autoAdvance: boolean;
  #scheduled = false;
  /** Every duration passed to `sleep`, in call order. */
  readonly sleeps: number[] = [];

  /**
   * Creates a clock standing still at its start time.
   *
   * @param options The start time and the advance mode.
   */
  constructor(options: FakeClockOptions = {}) {
    this.#now = options.start ?? Date.UTC(2026, 6, 17, 12);
    this.#autoAdvance = options.autoAdvance ?? false;
  }

  /** The fake time, in epoch milliseconds. */
  now(): number {
    return this.#now;
  }

  /** The number of waits not yet ended. */
  get pending(): number {
    return this.#sleepers.length;
  }

  /**
   * Waits until fake time reaches `now() + ms`.
   *
   * @param ms How long to wait.
   * @param signal Ends the wait early with the signal's reason.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = { at: this.#now + ms, resolve, reject, signal };
      if (signal) {
        sleeper.onAbort = () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        };
        signal.addEventListener("abort", sleeper.onAbort, { once: true });
      }
      this.#sleepers.push(sleeper);
      if (this.#autoAdvance) this.#scheduleAutoAdvance();
    });
  }

  /**
   * Calls `fn` once fake time reaches `now() + ms`, unless cancelled first.
   *
   * @param ms How long to wait.
   * @param fn What to call.
   * @returns Cancels the timer.
   */
  setTimer(ms: number, fn: () => void): () => void {
    const stop = new AbortController();
    this.sleep(ms, stop.signal).then(fn, () => {});
    return () => stop.abort();
  }

  /**
   * Moves time forward, waking each wait in deadline order and letting the
   * code it resumes run before the next one wakes.
   *
   * @param ms How far to move.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#earliest();
      if (!next || next.at > target) break;
      this.#now = Math.max(this.#now, next.at);
      this.#wake(next);
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /**
   * Sets the time, waking every wait whose deadline has passed.
   *
   * @param epochMs The new time; it may not go backwards.
   */
  async setTime(epochMs: number): Promise<void> {
    await this.advance(Math.max(0, epochMs - this.#now));
  }

  #earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.#sleepers) if (!best || s.at < best.at) best = s;
    return best;
  }

  #wake(sleeper: Sleeper): void {
    this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
    if (sleeper.onAbort) sleeper.signal?.removeEventListener("abort", sleeper.onAbort);
    sleeper.resolve();
  }

  #scheduleAutoAdvance(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // A macrotask later, every microtask (and so every other wait that is
    // about to be registered) has run: only then is time allowed to jump.
    setTimeout(() => {
      this.#scheduled = false;
      const next = this.#earliest();
      if (!next) return;
      this.#now = Math.max(this.#now, next.at);
      this.#wake(next);
      if (this.#sleepers.length) this.#scheduleAutoAdvance();
    }, 0);
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
