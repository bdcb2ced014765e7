/**
 * A gate that lets at most N requests be in flight at once.
 *
 * @module
 */

/** Gives back the place taken by {@link ConcurrencyGate.acquire}. */
export type Release = () => void;

/**
 * At most `limit` holders at once; the others wait in arrival order.
 *
 * @example
 * ```ts
 * import { ConcurrencyGate } from "./concurrency.ts";
 * const gate = new ConcurrencyGate(2);
 * const release = await gate.acquire();
 * gate.active; // 1
 * release();
 * ```
 */
export class ConcurrencyGate {
  readonly #limit: number;
  #active = 0;
  #queue: { grant: () => void; signal?: AbortSignal; onAbort?: () => void }[] = [];

  /**
   * Creates a gate with every place free.
   *
   * @param limit The most holders at once, at least 1.
   */
  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(
        `Cannot create a concurrency gate: limit must be a positive integer, got "${limit}"`,
      );
    }
    this.#limit = limit;
  }

  /** How many places are held. */
  get active(): number {
    return this.#active;
  }

  /** How many callers wait for a place. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Takes a place, waiting for one when all are held.
   *
   * @param signal Gives up waiting.
   * @returns The function that gives the place back; calling it twice is harmless.
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.#limit) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: { grant: () => void; signal?: AbortSignal; onAbort?: () => void } = {
        grant: () => resolve(this.#releaser()),
        signal,
      };
      if (signal) {
        waiter.onAbort = () => {
          this.#queue = this.#queue.filter((w) => w !== waiter);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
    });
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) {
        if (next.onAbort) next.signal?.removeEventListener("abort", next.onAbort);
        next.grant(); // the place passes straight to the next waiter
      } else {
        this.#active--;
      }
    };
  }
}
