/**
 * The gateway's store deadline and what happens when a store call fails or
 * passes it, per purpose. Every store call is bounded by one helper
 * (`withDeadline`, from the module): the stores bound their own calls, and
 * the middleware bounds calls to stores it was handed. A call that fails or
 * times out is answered by the purpose's policy:
 *
 * | purpose         | store call                                   | on failure or timeout                                                  |
 * | --------------- | -------------------------------------------- | ---------------------------------------------------------------------- |
 * | `limit`         | count the caller's request                   | `RATE_LIMIT_ON_STORE_ERROR`: `open` passes uncounted, `closed` is 503  |
 * | `nonce`         | claim a signature's nonce                    | `RATE_LIMIT_ON_STORE_ERROR`: `open` skips the replay check, `closed` 503 |
 * | `auth_failure`  | count a refused credential by address        | open: the 401 stands, uncounted                                        |
 * | `session`       | read a session and its character's tokens    | closed: 503                                                            |
 * | `login`         | write the login record                       | closed: 503                                                            |
 * | `callback`      | take the login record, store tokens, session | closed: 503                                                            |
 * | `logout`        | end the sessions, forget the tokens          | closed: 503 (the cookie is cleared all the same)                       |
 * | `error_budget`  | read or merge ESI's shared error budget      | open: the instance's own view of the budget stands                     |
 *
 * Every 503 carries `Retry-After: 1`; the failure is counted in
 * `gateway_store_errors_total{store,operation}` and logged scrubbed
 * (`scrubError`).
 *
 * @module
 */

import type { Context } from "hono";
import { fail, type Logger } from "../context.ts";
import type { GatewayMetrics } from "../metrics.ts";
import { scrubError } from "../log/scrub.ts";
import { systemClock } from "../../src/clock.ts";
import { STORE_TIMEOUT_MS, withDeadline } from "../../src/deadline.ts";
import type { StoreDeadlineOptions } from "./types.ts";

export {
  type Deadline,
  STORE_TIMEOUT_MS,
  StoreTimeoutError,
  withDeadline,
} from "../../src/deadline.ts";

/** Runs a store call under the store's deadline. */
export type Bounded = <T>(work: Promise<T>, what: string) => Promise<T>;

/**
 * The deadline a store puts on each of its calls.
 *
 * @param options The clock and the timeout.
 * @returns A function that bounds one call.
 * @example
 * ```ts
 * import { bounded } from "./deadline.ts";
 * const within = bounded({ timeoutMs: 500 });
 * await within(Promise.resolve("v"), "read a value"); // "v"
 * ```
 */
export function bounded(
  { clock = systemClock, timeoutMs = STORE_TIMEOUT_MS }: StoreDeadlineOptions = {},
): Bounded {
  const deadline = { ms: timeoutMs, clock };
  return (work, what) => withDeadline(work, what, deadline);
}

/** What the gateway asks of its store (see the table above). */
export type StorePurpose =
  | "limit"
  | "nonce"
  | "auth_failure"
  | "session"
  | "login"
  | "callback"
  | "logout"
  | "error_budget";

/** Where a store failure is reported. */
export interface StoreFailureReport {
  /** Where the scrubbed line goes. */
  logger: Logger;
  /** Counts the failure. */
  metrics?: GatewayMetrics;
  /** The store's name, for the log and the metric. */
  store: string;
}

/**
 * Reports a store failure: one scrubbed warning and one count.
 *
 * @param purpose What the store was asked.
 * @param error What it failed with.
 * @param report Where to report it.
 * @example
 * ```ts
 * import { reportStoreFailure } from "./deadline.ts";
 * reportStoreFailure("session", new Error("down"), { logger: console.log, store: "upstash" });
 * ```
 */
export function reportStoreFailure(
  purpose: StorePurpose,
  error: unknown,
  { logger, metrics, store }: StoreFailureReport,
): void {
  metrics?.storeErrors.inc({ store, operation: purpose });
  logger({ level: "warn", msg: "store failed", purpose, store, error: scrubError(error) });
}

/**
 * Answers 503 for a store that failed a closed purpose, after reporting it.
 *
 * @param c The context.
 * @param purpose What the store was asked.
 * @param error What it failed with.
 * @param report Where to report it.
 * @param action What could not be done, for the message (`"log in"`).
 * @returns The 503 answer with `Retry-After: 1`.
 * @example
 * ```ts ignore
 * return storeUnavailable(c, "login", error, { logger, store: values.name }, "log in");
 * ```
 */
export function storeUnavailable(
  c: Context,
  purpose: StorePurpose,
  error: unknown,
  report: StoreFailureReport,
  action: string,
): Response {
  reportStoreFailure(purpose, error, report);
  return fail(c, 503, `Cannot ${action} now: the store is unavailable`, { "Retry-After": "1" });
}
