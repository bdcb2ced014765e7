/**
 * How the persistent stores keep a cache outage from failing an ESI call: a
 * failed operation becomes a miss (or a no-op), and is reported through the
 * `storeError` hooks instead of thrown.
 *
 * @module
 */

import { deadline as within } from "../http/timeout.ts";
import type { Clock } from "../clock.ts";
import { EsiError } from "../errors.ts";
import { emit, type Hook, type StoreErrorEvent } from "../observe/hooks.ts";

/**
 * The hooks a store reports to: the client's {@link Hooks} fit as they are.
 *
 * @example
 * ```ts
 * import type { StoreHooks } from "@esikit/esi";
 * import { UpstashCache } from "@esikit/esi/upstash";
 * const hooks: StoreHooks = { storeError: [(e) => console.warn(e.store, e.operation, e.error.message)] };
 * new UpstashCache({ url: "https://eu1-example.upstash.io", token: "…", hooks });
 * ```
 */
export interface StoreHooks {
  /** Called with each failed or timed-out store operation (as in the client's `hooks`). */
  storeError?: Hook<StoreErrorEvent>[];
}

/**
 * Runs one store operation; on failure reports it and returns `fallback`.
 *
 * @param store The store's name, for the event.
 * @param operation The operation, for the event.
 * @param hooks Where to report the failure.
 * @param fallback What to return instead of throwing.
 * @param run The operation.
 * @returns What `run` returned, or `fallback`.
 * @example
 * ```ts
 * import { guard } from "./guard.ts";
 * await guard("example", "get", undefined, undefined, () => Promise.reject(new Error("down")));
 * ```
 */
export async function guard<T>(
  store: string,
  operation: StoreErrorEvent["operation"],
  hooks: StoreHooks | undefined,
  fallback: T,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    reportStoreError(store, operation, hooks, cause);
    return fallback;
  }
}

/**
 * Runs one store operation under a deadline timed by `clock`: a failure, or no
 * answer within `timeoutMs`, is reported and becomes `fallback`. The operation
 * that lost the race is left to settle, unobserved.
 *
 * @param store The store's name, for the event.
 * @param operation The operation, for the event.
 * @param hooks Where to report the failure.
 * @param fallback What to return instead of throwing.
 * @param deadline The clock and the time allowed, in milliseconds.
 * @param run The operation.
 * @returns What `run` returned, or `fallback`.
 * @example
 * ```ts
 * import { guardWithin } from "./guard.ts";
 * import { systemClock } from "../clock.ts";
 * const never = () => new Promise<string>(() => {});
 * await guardWithin("example", "get", undefined, "miss", { clock: systemClock, timeoutMs: 10 }, never);
 * ```
 */
export async function guardWithin<T>(
  store: string,
  operation: StoreErrorEvent["operation"],
  hooks: StoreHooks | undefined,
  fallback: T,
  deadline: { clock: Clock; timeoutMs: number },
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await within(run(), deadline.timeoutMs, deadline.clock);
  } catch (cause) {
    reportStoreError(store, operation, hooks, cause);
    return fallback;
  }
}

/**
 * Reports a store failure as an `ERR_STORE` {@link EsiError} carrying the
 * original failure as `cause`.
 *
 * @param store The store's name.
 * @param operation The operation that failed.
 * @param hooks Where to report it.
 * @param cause The failure.
 * @example
 * ```ts
 * import { reportStoreError } from "./guard.ts";
 * reportStoreError("example", "set", { storeError: [(e) => console.log(e.error.message)] }, new Error("down"));
 * ```
 */
export function reportStoreError(
  store: string,
  operation: StoreErrorEvent["operation"],
  hooks: StoreHooks | undefined,
  cause: unknown,
): void {
  const why = cause instanceof Error ? cause.message : String(cause);
  // Backend messages can be huge (the SDK echoes whole commands): keep the start.
  const short = why.length > 200 ? `${why.slice(0, 200)}…` : why;
  const verb = operation === "get" ? "read from" : operation === "set" ? "write to" : "delete from";
  const error = new EsiError("ERR_STORE", `Cannot ${verb} the "${store}" cache store: ${short}`, {
    cause,
  });
  emit(hooks?.storeError, { store, operation, error });
}
