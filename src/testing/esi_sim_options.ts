/**
 * The public shapes of the ESI simulator: its options, the record of a
 * request, its counters and a rate-limit bucket. Part of ./esi_simulator.ts.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { OperationKey } from "../spec/operations.gen.ts";
import type { EsiSimTokenVerifier } from "./esi_sim_auth.ts";
import type { EsiSimDataOptions } from "./esi_sim_data.ts";
import type { EsiSimGroupSize } from "./esi_sim_limits.ts";
import type { SimListen } from "./sim_server.ts";

/**
 * Options of an {@link EsiSimulator}.
 *
 * @example
 * ```ts
 * import { EsiSimulator, FakeClock } from "@esikit/esi/testing";
 * const sim = new EsiSimulator({
 *   clock: new FakeClock({ autoAdvance: true }),
 *   errorLimit: 10,
 *   rateLimits: { "market-order": { maxTokens: 150, windowMs: 900_000 } },
 * });
 * ```
 */
export interface EsiSimulatorOptions {
  /**
   * The time for `Date`, `Expires`, the limit windows, token expiry and
   * simulated latency. A `FakeClock` drives all of them in tests.
   * @default systemClock
   */
  clock?: Clock;
  /** Errors (4xx/5xx) allowed per window before every route answers 420. @default 100 */
  errorLimit?: number;
  /** The error limit's fixed window, in milliseconds. @default 60000 */
  errorWindowMs?: number;
  /** Rate-limit group sizes replacing the spec's `x-rate-limit`, by group name. */
  rateLimits?: Readonly<Record<string, EsiSimGroupSize>>;
  /**
   * The published compatibility dates.
   * @default the dates of esikit's spec, "2020-01-01" to "2026-07-17"
   */
  compatibilityDates?: readonly string[];
  /**
   * Checks an access token's signature (the SSO simulator's `verifyToken`
   * fits). By default tokens are decoded without verification; `exp` is
   * checked against the clock either way.
   */
  verifyToken?: EsiSimTokenVerifier;
  /** Latency added to every call, in milliseconds of the clock. @default 0 */
  latencyMs?: number;
  /** The sizes of the built-in data. */
  data?: EsiSimDataOptions;
  /** The port `start()` listens on. @default 0 (any free port) */
  port?: number;
  /** How `start()` listens when it is given no listener; the Deno adapter's `serve()` passes one. */
  listen?: SimListen;
}

/** One request the simulator received. */
export interface EsiSimRequest {
  /** The HTTP method. */
  method: string;
  /** The URL's path. */
  path: string;
  /** The operation it matched, or `null` for a path outside the spec. */
  route: OperationKey | null;
  /** The query parameters (the last value of a repeated one). */
  query: Record<string, string>;
  /** The request headers, names lower-cased, `Authorization` as `Bearer <redacted>`. */
  headers: Record<string, string>;
  /** When it arrived, by the simulator's clock. */
  at: number;
  /** The status it was answered with, once answered. */
  status?: number;
}

/** Counters of what the simulator answered. */
export interface EsiSimStats {
  /** Requests received. */
  requests: number;
  /** Responses sent. */
  responses: number;
  /** Responses by status. */
  byStatus: Record<number, number>;
  /** 304 Not Modified answers. */
  status304: number;
  /** 420 error-limited answers. */
  status420: number;
  /** 429 rate-limited answers (group limits and faults). */
  status429: number;
  /** 4xx and 5xx answers: what counts against the error limit. */
  errors: number;
  /** Requests being handled now. */
  inFlight: number;
  /** The most requests handled at once. */
  maxInFlight: number;
}

/** A rate-limit bucket, as {@link EsiSimulator.bucket} reports it. */
export interface EsiSimBucket {
  /** The group's limit as ESI writes it, `"150/15m"`. */
  limit: string;
  /** Tokens spent in the floating window. */
  used: number;
  /** Tokens left. */
  remaining: number;
}
