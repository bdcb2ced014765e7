/**
 * Errors of the limits: the error budget, a route group's bucket, an open circuit.
 *
 * @module
 */

import { EsiError } from "./base.ts";

/**
 * A call was held back, or refused, because ESI's error budget is spent or
 * about to be (policy `"throw"`), or ESI answered 420.
 *
 * @example
 * ```ts
 * import { EsiErrorLimitError } from "@esikit/esi";
 * const err = new EsiErrorLimitError(5, Date.now() + 30_000);
 * err.resetAt > Date.now(); // true
 * ```
 */
export class EsiErrorLimitError extends EsiError {
  /** The error budget left when the call was refused. */
  readonly remain: number;
  /** When the error-limit window resets, in epoch milliseconds. */
  readonly resetAt: number;

  /**
   * Creates the error.
   *
   * @param remain The error budget left.
   * @param resetAt When the window resets, in epoch milliseconds.
   */
  constructor(remain: number, resetAt: number) {
    super(
      "ERR_ERROR_LIMIT",
      `Cannot send the request: ESI's error budget is down to ${remain}; it resets at ${
        new Date(resetAt).toISOString()
      }`,
    );
    this.remain = remain;
    this.resetAt = resetAt;
  }
}

/**
 * A call was held back, or refused, because its route group's rate-limit
 * bucket is empty (policy `"throw"`), or ESI answered 429.
 *
 * @example
 * ```ts
 * import { EsiRateLimitError } from "@esikit/esi";
 * new EsiRateLimitError("market-order", Date.now() + 2_000).group; // "market-order"
 * ```
 */
export class EsiRateLimitError extends EsiError {
  /** The rate-limit group. */
  readonly group: string;
  /** When a token is next available, in epoch milliseconds. */
  readonly retryAt: number;

  /**
   * Creates the error.
   *
   * @param group The rate-limit group.
   * @param retryAt When a token is next available, in epoch milliseconds.
   */
  constructor(group: string, retryAt: number) {
    super(
      "ERR_RATE_LIMIT",
      `Cannot send the request: rate-limit group "${group}" is out of tokens until ${
        new Date(retryAt).toISOString()
      }`,
    );
    this.group = group;
    this.retryAt = retryAt;
  }
}

/**
 * ESI kept failing on this route group, so calls fail fast until one probe,
 * after `retryAt`, finds it answering again.
 *
 * @example
 * ```ts
 * import { EsiCircuitOpenError } from "@esikit/esi";
 * new EsiCircuitOpenError("market-order", Date.now() + 10_000).code; // "ERR_CIRCUIT_OPEN"
 * ```
 */
export class EsiCircuitOpenError extends EsiError {
  /** The route group (or route) whose circuit is open. */
  readonly group: string;
  /** When a probe may go, in epoch milliseconds. */
  readonly retryAt: number;

  /**
   * Creates the error.
   *
   * @param group The route group or route.
   * @param retryAt When a probe may go, in epoch milliseconds.
   */
  constructor(group: string, retryAt: number) {
    super(
      "ERR_CIRCUIT_OPEN",
      `Cannot send the request: ESI keeps failing on "${group}"; the next probe goes at ${
        new Date(retryAt).toISOString()
      }`,
    );
    this.group = group;
    this.retryAt = retryAt;
  }
}
