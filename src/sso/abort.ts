/**
 * Waiting on shared work without cancelling it for the others.
 *
 * @module
 */

/**
 * Waits for a promise, or rejects with the signal's reason when it aborts
 * first; the promise itself goes on.
 *
 * @param promise The shared work.
 * @param signal Ends this caller's wait.
 * @returns What the promise resolves to.
 * @example
 * ```ts ignore
 * await raceAbort(sharedRefresh, AbortSignal.timeout(1_000));
 * ```
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
