/**
 * ESI's spec as data: the table of operations (route, parameters, scopes,
 * rate-limit group, paging, caching), lookups by route or operation id, the
 * parameter validation the client runs, and the lists of scopes and roles.
 *
 * @example Look an operation up and check parameters before a call
 * ```ts
 * import { findOperation, validateParams } from "@esikit/esi/spec";
 *
 * const meta = findOperation("GET", "/markets/10000002/orders")!;
 * meta.rateLimit?.group; // "market-order"
 * validateParams(meta, { path: { region_id: 10000002 }, query: { order_type: "sell" } });
 * ```
 *
 * @module
 */

export type * from "../operation_meta.ts";
export {
  findOperation,
  findOperationById,
  missingScopes,
  validateParams,
} from "../http/validate.ts";
export type { EsiRequestParams } from "../typed.ts";
export {
  type EsiOperationId,
  type OperationKey,
  type OperationKeysById,
  operationKeysById,
  operations,
  specCompatibilityDate,
} from "./operations.gen.ts";
export * from "./scopes.gen.ts";
