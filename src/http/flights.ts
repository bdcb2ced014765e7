/**
 * Coalescing: concurrent identical calls share one upstream request. The
 * shared request is aborted only when every caller waiting on it has given up.
 *
 * @module
 */

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

/**
 * The upstream requests in flight, by key.
 *
 * @example
 * ```ts
 * import { Flights } from "./flights.ts";
 * const flights = new Flights<number>();
 * let calls = 0;
 * const work = () => Promise.resolve(++calls);
 * await Promise.all([flights.run("k", work), flights.run("k", work)]);
 * calls; // 1
 * ```
 */
export class Flights<T> {
  #flights = new Map<string, Flight<T>>();

  /** How many distinct requests are in flight. */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * Joins the flight under `key`, or starts it with `work`.
   *
   * @param key What makes two calls identical.
   * @param work Starts the upstream request; its signal aborts when every waiter has.
   * @param signal This caller's signal: aborting it stops this caller's wait.
   * @returns The shared result.
   */
  run(key: string, work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let flight = this.#flights.get(key);
    if (!flight) {
      const controller = new AbortController();
      const started: Flight<T> = {
        controller,
        waiters: 0,
        promise: Promise.resolve().then(() => work(controller.signal)).finally(() => {
          if (this.#flights.get(key) === started) this.#flights.delete(key);
        }),
      };
      this.#flights.set(key, started);
      flight = started;
    }
    return this.#wait(key, flight, signal);
  }

  #wait(key: string, flight: Flight<T>, signal?: AbortSignal): Promise<T> {
    flight.waiters++;
    if (!signal) return flight.promise.finally(() => flight.waiters--);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (--flight.waiters === 0) {
          flight.controller.abort(signal.reason);
          // Nobody waits any more: a later identical call starts afresh.
          if (this.#flights.get(key) === flight) this.#flights.delete(key);
        }
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      flight.promise.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          flight.waiters--;
          resolve(value);
        },
        (error) => {
          signal.removeEventListener("abort", onAbort);
          flight.waiters--;
          reject(error);
        },
      );
    });
  }
}
