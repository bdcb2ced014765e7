/**
 * Type-level helpers that turn the generated `paths` and `operations` into
 * typed calls: which paths a method has, which parameters a call needs, and
 * what it answers. Nothing here exists at runtime.
 *
 * The headers the client sets itself (`Accept-Language`, `If-None-Match`,
 * `X-Compatibility-Date`, `X-Tenant`, `If-Modified-Since`) are never required
 * of the caller.
 *
 * @module
 */

import type { operations, paths } from "./spec/paths.gen.ts";
import type { EsiOperationId } from "./spec/operations.gen.ts";

// Re-exported so every type the helpers name is public. The generated `operations` type is
// renamed: `operations` is the metadata table's name.
export type { components, operations as EsiOperationTypes, paths } from "./spec/paths.gen.ts";
export type { EsiOperationId, OperationKeysById } from "./spec/operations.gen.ts";

/**
 * An HTTP method as the generated types spell it.
 *
 * @example
 * ```ts
 * import type { EsiHttpMethod } from "@esikit/esi";
 * const method: EsiHttpMethod = "get";
 * ```
 */
export type EsiHttpMethod = "get" | "post" | "put" | "delete";

/**
 * The parameters the client accepts at runtime, typed or not. Every
 * {@link EsiParams} is assignable to it.
 *
 * @example
 * ```ts
 * import type { EsiRequestParams } from "@esikit/esi";
 * const params: EsiRequestParams = { path: { region_id: 10000002 }, query: { order_type: "all" } };
 * ```
 */
export interface EsiRequestParams {
  /** Path parameters, by name. */
  path?: Record<string, string | number>;
  /** Query parameters, by name; `undefined` values are left out. */
  query?: Record<string, string | number | boolean | readonly (string | number)[] | undefined>;
  /** The JSON request body. */
  body?: unknown;
  /**
   * Extra request headers; not those the client sets from its options
   * (`language`, `compatibilityDate`, `tenant`, `token`…), which key its cache.
   */
  headers?: Record<string, string>;
}

/**
 * The paths that have an operation for method `M`; all paths when `M` is
 * left out. Editors complete these.
 *
 * @example
 * ```ts
 * import type { EsiPath } from "@esikit/esi";
 * const path: EsiPath<"get"> = "/markets/{region_id}/orders";
 * ```
 */
export type EsiPath<M extends EsiHttpMethod = EsiHttpMethod> = {
  [P in keyof paths]: paths[P] extends { [K in M]: object } ? P : never;
}[keyof paths];

/**
 * The generated operation type of `M` on `P`.
 *
 * @example
 * ```ts
 * import type { EsiOperation } from "@esikit/esi";
 * type Status = EsiOperation<"get", "/status">;
 * ```
 */
export type EsiOperation<M extends EsiHttpMethod, P extends EsiPath<M>> = paths[P][M];

/**
 * The parameters of a generated operation type (`paths[P][M]` or
 * `operations[Id]`). Prefer {@link EsiParams} or {@link EsiParamsById}.
 *
 * @example
 * ```ts
 * import type { EsiOperation, EsiParamsOf } from "@esikit/esi";
 * type Params = EsiParamsOf<EsiOperation<"get", "/markets/{region_id}/orders">>;
 * ```
 */
export type EsiParamsOf<O> = O extends { parameters: infer Ps } ? (
    & {
      // The homomorphic mapping keeps the generated optionality: `path`/`query` are required exactly when the
      // operation has a required parameter there; `?: never` (no such parameters) becomes
      // `?: undefined`, so passing one is an error.
      [K in keyof Ps as K extends "path" | "query" ? K : never]: [NonNullable<Ps[K]>] extends
        [never] ? undefined
        : NonNullable<Ps[K]>;
    }
    // ESI's operations declare only the headers the client sets; others stay allowed.
    & { headers?: Record<string, string> }
    & (O extends { requestBody?: never } ? { body?: undefined }
      : O extends { requestBody: { content: { "application/json": infer B } } } ? { body: B }
      : O extends { requestBody?: { content: { "application/json": infer B } } } ? { body?: B }
      : { body?: unknown })
  ) extends infer U ? { [K in keyof U]: U[K] } : never
  : EsiRequestParams;

/**
 * What a call of `M` on `P` takes: `path` (required when the route has path
 * parameters), `query` and `body`, each required when the operation has a
 * required parameter of that kind and refused when it has none; `headers`
 * is always optional.
 *
 * @example
 * ```ts
 * import type { EsiParams } from "@esikit/esi";
 * const params: EsiParams<"get", "/markets/{region_id}/orders"> = {
 *   path: { region_id: 10000002 },
 *   query: { order_type: "sell", type_id: 34 },
 * };
 * ```
 */
export type EsiParams<M extends EsiHttpMethod, P extends EsiPath<M>> = EsiParamsOf<
  EsiOperation<M, P>
>;

/**
 * The parameters as a rest-argument tuple: optional when nothing is
 * required, so `esi.get("/status")` needs no second argument.
 *
 * @example
 * ```ts
 * import type { EsiArgs } from "@esikit/esi";
 * const none: EsiArgs<"get", "/status"> = [];
 * ```
 */
export type EsiArgs<M extends EsiHttpMethod, P extends EsiPath<M>> = object extends EsiParams<M, P>
  ? [params?: EsiParams<M, P>]
  : [params: EsiParams<M, P>];

/**
 * The success body of a generated operation type: the JSON of its 200 or
 * 201 answer, with `undefined` for a 204 (which has no body). Prefer
 * {@link EsiData} or {@link EsiDataById}.
 *
 * @example
 * ```ts
 * import type { EsiDataOf, EsiOperation } from "@esikit/esi";
 * type Status = EsiDataOf<EsiOperation<"get", "/status">>;
 * ```
 */
export type EsiDataOf<O> = O extends { responses: infer R } ?
    | (R extends { 200: { content: { "application/json": infer J } } } ? J : never)
    | (R extends { 201: { content: { "application/json": infer J } } } ? J : never)
    | (R extends { 204: unknown } ? undefined : never)
  : unknown;

/**
 * What a call of `M` on `P` answers: the parsed JSON of its success response,
 * or `undefined` for a 204.
 *
 * @example
 * ```ts
 * import type { EsiData } from "@esikit/esi";
 * type Price = EsiData<"get", "/markets/{region_id}/orders">[number]["price"]; // number
 * ```
 */
export type EsiData<M extends EsiHttpMethod, P extends EsiPath<M>> = EsiDataOf<
  EsiOperation<M, P>
>;

/**
 * What the operation named `Id` takes (see {@link EsiParams}).
 *
 * @example
 * ```ts
 * import type { EsiParamsById } from "@esikit/esi";
 * const params: EsiParamsById<"GetMarketsRegionIdOrders"> = {
 *   path: { region_id: 10000002 },
 *   query: { order_type: "all" },
 * };
 * ```
 */
export type EsiParamsById<Id extends EsiOperationId> = EsiParamsOf<operations[Id]>;

/**
 * What the operation named `Id` answers (see {@link EsiData}).
 *
 * @example
 * ```ts
 * import type { EsiDataById } from "@esikit/esi";
 * type Status = EsiDataById<"GetStatus">;
 * ```
 */
export type EsiDataById<Id extends EsiOperationId> = EsiDataOf<operations[Id]>;
