/**
 * The route-script API of the ESI simulator: what a script is, what its
 * functions are told, and how they answer with an ESI error.
 *
 * @module
 */

import type { OperationKey } from "../spec/operations.gen.ts";
import type { EsiSimFault } from "./esi_sim_faults.ts";

/** What a route script's functions are told about the call they answer. */
export interface EsiSimRouteContext {
  /** The operation, `"GET /markets/{region_id}/orders"`. */
  readonly route: OperationKey;
  /** The path parameters, by name. */
  readonly params: Readonly<Record<string, string>>;
  /** The query string. */
  readonly query: URLSearchParams;
  /** The character of the bearer token, when there is one. */
  readonly characterId?: number;
  /** The resource's version: 1, then one more for every change (`bump`, `setPages`, turnover). */
  readonly version: number;
  /** The simulator's time, in epoch milliseconds. */
  readonly now: number;
  /** The request's JSON body, for `POST` and `PUT`. */
  readonly body?: unknown;
}

/**
 * Thrown by a route script's function to answer with an ESI error:
 * `{"error": message}` under `status`.
 *
 * @example
 * ```ts
 * import { EsiSimError, type EsiSimRoute } from "@esikit/esi/testing";
 * const route: EsiSimRoute = {
 *   body: (ctx) => {
 *     if (ctx.params.type_id === "0") throw new EsiSimError(404, "Type not found");
 *     return { type_id: Number(ctx.params.type_id) };
 *   },
 * };
 * ```
 */
export class EsiSimError extends Error {
  /** The HTTP status to answer with. */
  readonly status: number;

  /**
   * Creates the error a route script throws.
   *
   * @param status The HTTP status, 400 to 599.
   * @param message ESI's `error` text.
   */
  constructor(status: number, message: string) {
    super(message);
    this.name = "EsiSimError";
    this.status = status;
  }
}

/**
 * A JSON value of a scripted body.
 *
 * @example
 * ```ts
 * import type { EsiSimJson } from "@esikit/esi/testing";
 * const body: EsiSimJson = { players: 1 };
 * ```
 */
export type EsiSimJson = string | number | boolean | null | object;

/**
 * A value, or a function of the call computing it.
 *
 * @example
 * ```ts
 * import type { EsiSimValue } from "@esikit/esi/testing";
 * const players: EsiSimValue<number> = (ctx) => ctx.version * 10;
 * ```
 */
export type EsiSimValue<T> = T | ((ctx: EsiSimRouteContext) => T | Promise<T>);

/**
 * What a route answers. `GET` answers are computed once per resource
 * version, like ESI's cache: change them with `sim.route()`, `sim.setPages()`
 * or `sim.bump()`. Other methods compute theirs on every call.
 *
 * @example
 * ```ts
 * import type { EsiSimRoute } from "@esikit/esi/testing";
 * const status: EsiSimRoute = { body: { players: 1, server_version: "1", start_time: "2026-07-17T11:00:00Z" } };
 * const orders: EsiSimRoute = { pages: [[{ order_id: 1 }], [{ order_id: 2 }]] };
 * ```
 */
export interface EsiSimRoute {
  /** The JSON body (not for X-Pages, cursor or from_id routes: use `pages` or `records`). */
  body?: EsiSimValue<EsiSimJson>;
  /** The X-Pages pages, each an array of records: `X-Pages` is their count. */
  pages?: EsiSimValue<readonly (readonly unknown[])[]>;
  /**
   * The records of a cursor route (oldest first) or of a from_id route
   * (newest first, ids descending).
   */
  records?: EsiSimValue<readonly unknown[]>;
  /** The records' property in a cursor route's body. @default the route's last path segment, `-` as `_` */
  recordsKey?: string;
  /** The id property of a from_id route's records. @default "transaction_id" */
  idField?: string;
  /** Records per answer of a from_id route. @default 2500 */
  pageSize?: number;
  /** The status of a successful answer. @default 200; 204 for PUT and DELETE */
  status?: number;
  /** Extra response headers. */
  headers?: Readonly<Record<string, string>>;
  /** Overrides the spec's `x-cache-age`, in seconds. */
  cacheAge?: number;
  /** A fault to add to the route, as `sim.fault()` would. */
  fault?: EsiSimFault;
}

/** A built-in route whose pages are generated one at a time, on demand. */
export interface LazyPagesRoute extends EsiSimRoute {
  /** The number of pages. */
  pageCount: (ctx: EsiSimRouteContext) => number;
  /** Page `n` (1-based). */
  page: (ctx: EsiSimRouteContext, n: number) => readonly unknown[];
}

/**
 * Whether a script generates its pages on demand.
 *
 * @param script The route's script.
 * @returns `true` for a built-in paged route.
 */
export function isLazy(script: EsiSimRoute | undefined): script is LazyPagesRoute {
  return script !== undefined && "pageCount" in script;
}
