/**
 * The shape of the per-operation metadata table that `src/spec/generate.ts`
 * writes to `src/spec/operations.gen.ts`. Kept hand-written, outside
 * `src/spec/`, so the generated file only holds data.
 *
 * @module
 */

/**
 * The HTTP methods ESI's spec uses.
 *
 * @example
 * ```ts
 * import type { EsiMethod } from "@esikit/esi";
 * const method: EsiMethod = "GET";
 * ```
 */
export type EsiMethod = "GET" | "POST" | "PUT" | "DELETE";

/**
 * The JSON-schema type of a parameter, a body or an array's items.
 *
 * @example
 * ```ts
 * import type { SchemaType } from "@esikit/esi/spec";
 * const t: SchemaType = "integer";
 * ```
 */
export type SchemaType = "integer" | "number" | "string" | "boolean" | "array" | "object";

/**
 * The type of each item of an array parameter or body.
 *
 * @example
 * ```ts
 * import type { ItemsMeta } from "@esikit/esi/spec";
 * const items: ItemsMeta = { type: "string", enum: ["agent", "alliance"] };
 * ```
 */
export interface ItemsMeta {
  /** The items' JSON-schema type. */
  readonly type: SchemaType;
  /** The values the items may take, when the spec lists them. */
  readonly enum?: readonly (string | number)[];
}

/**
 * One parameter of an operation, as the spec declares it. The headers every
 * call carries (`Accept-Language`, `If-None-Match`, `X-Compatibility-Date`,
 * `X-Tenant`, `If-Modified-Since`) are left out: the client sets them.
 *
 * @example
 * ```ts
 * import type { ParamMeta } from "@esikit/esi/spec";
 * const p: ParamMeta = { name: "region_id", in: "path", required: true, type: "integer", format: "int64" };
 * ```
 */
export interface ParamMeta {
  /** The parameter's name, as sent. */
  readonly name: string;
  /** Where the parameter goes. */
  readonly in: "path" | "query" | "header";
  /** Whether the call fails without it. Path parameters always are. */
  readonly required: boolean;
  /** Its JSON-schema type. */
  readonly type: SchemaType;
  /** Its JSON-schema format (`int32`, `int64`, `double`, `uuid`…), if any. */
  readonly format?: string;
  /** The values it may take, when the spec lists them. */
  readonly enum?: readonly (string | number)[];
  /** For arrays: the type of each item. */
  readonly items?: ItemsMeta;
  /** The smallest number allowed. */
  readonly minimum?: number;
  /** The largest number allowed. */
  readonly maximum?: number;
  /** The shortest string allowed. */
  readonly minLength?: number;
  /** The longest string allowed. */
  readonly maxLength?: number;
  /** The fewest array items allowed. */
  readonly minItems?: number;
  /** The most array items allowed. */
  readonly maxItems?: number;
  /** Whether an array's items must differ. */
  readonly uniqueItems?: boolean;
}

/**
 * The request body an operation takes.
 *
 * @example
 * ```ts
 * import type { BodyMeta } from "@esikit/esi/spec";
 * const body: BodyMeta = { required: true, type: "array", items: { type: "integer" }, minItems: 1, maxItems: 1000 };
 * ```
 */
export interface BodyMeta {
  /** Whether the call fails without a body. */
  readonly required: boolean;
  /** The body's JSON-schema type. */
  readonly type: SchemaType;
  /** For arrays: the type of each item. */
  readonly items?: ItemsMeta;
  /** The fewest array items allowed. */
  readonly minItems?: number;
  /** The most array items allowed. */
  readonly maxItems?: number;
  /** Whether an array's items must differ. */
  readonly uniqueItems?: boolean;
}

/**
 * An operation's rate-limit group, from the spec's `x-rate-limit`.
 *
 * @example
 * ```ts
 * import type { RateLimitMeta } from "@esikit/esi/spec";
 * const limit: RateLimitMeta = { group: "market-order", maxTokens: 12000, windowMs: 900_000 };
 * ```
 */
export interface RateLimitMeta {
  /** The group's name, as ESI echoes it in `X-Ratelimit-Group`. */
  readonly group: string;
  /** The tokens the bucket holds. */
  readonly maxTokens: number;
  /** The bucket's floating window, in milliseconds. */
  readonly windowMs: number;
}

/**
 * How an operation's results are split into pages: `x-pages` (`?page=N` and
 * the `X-Pages` header), `cursor` (`before`/`after`), `from_id` (wallet
 * transactions), or `none`.
 *
 * @example
 * ```ts
 * import type { PaginationKind } from "@esikit/esi/spec";
 * const kind: PaginationKind = "x-pages";
 * ```
 */
export type PaginationKind = "x-pages" | "cursor" | "from_id" | "none";

/**
 * How ESI caches an operation's answers, from the spec's `x-cache-mode`.
 *
 * @example
 * ```ts
 * import type { CacheMode } from "@esikit/esi/spec";
 * const mode: CacheMode = "event-based";
 * ```
 */
export type CacheMode = "ttl-based" | "event-based" | "no-cache" | "not-cached";

/**
 * Everything the spec says about one operation that a client acts on before
 * or after sending it.
 *
 * @example
 * ```ts
 * import type { OperationMeta } from "@esikit/esi/spec";
 *
 * function isPaged(meta: OperationMeta): boolean {
 *   return meta.pagination !== "none";
 * }
 * ```
 */
export interface OperationMeta {
  /** `"METHOD /path"`, e.g. `"GET /markets/{region_id}/orders"`. */
  readonly key: string;
  /** The HTTP method. */
  readonly method: EsiMethod;
  /** The path template, e.g. `/markets/{region_id}/orders`. */
  readonly path: string;
  /** The spec's `operationId`, e.g. `GetMarketsRegionIdOrders`. */
  readonly operationId: string;
  /** A one-line description. */
  readonly summary: string;
  /** The spec's tags (ESI's sections). */
  readonly tags: readonly string[];
  /** The SSO scopes the call needs; empty for public routes. */
  readonly scopes: readonly string[];
  /** The in-game corporation roles the character needs (any one of them). */
  readonly roles: readonly string[];
  /** How long ESI caches the answer, in seconds (`x-cache-age`). */
  readonly cacheAge?: number;
  /** How ESI caches the answer (`x-cache-mode`). */
  readonly cacheMode?: CacheMode;
  /** The rate-limit group, when the route has one (`x-rate-limit`). */
  readonly rateLimit?: RateLimitMeta;
  /** How results are split into pages. */
  readonly pagination: PaginationKind;
  /** The compatibility date that introduced this version of the route. */
  readonly compatibilityDate: string;
  /** The path, query and operation-specific header parameters, in that order, each sorted by name. */
  readonly parameters: readonly ParamMeta[];
  /** The request body, when the operation takes one. */
  readonly body?: BodyMeta;
}
