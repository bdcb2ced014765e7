/**
 * Turning a query string into the typed query the module checks against the
 * spec, for whoever receives ESI parameters as text (a gateway, a CLI):
 * digits become numbers, `true`/`false` booleans, repeated or
 * comma-separated values arrays, as each parameter's declared type asks.
 * Anything else is passed as it came, for validation to refuse with a clear
 * message.
 *
 * @module
 */

import type { OperationMeta, ParamMeta } from "../operation_meta.ts";
import type { QueryValue } from "./url.ts";

const declaredQuery = new WeakMap<OperationMeta, ReadonlyMap<string, ParamMeta>>();

function declared(operation: OperationMeta): ReadonlyMap<string, ParamMeta> {
  let found = declaredQuery.get(operation);
  if (!found) {
    const map = new Map<string, ParamMeta>();
    for (const p of operation.parameters) if (p.in === "query") map.set(p.name, p);
    declaredQuery.set(operation, found = map);
  }
  return found;
}

/**
 * Types a query string's parameters for an operation.
 *
 * @param operation The operation, for the parameters' declared types.
 * @param searchParams The query, e.g. `new URL(request.url).searchParams`.
 * @returns The parameters by name: typed where the spec declares them (an
 *   array parameter accepts repeats and, for numbers, comma-separated lists),
 *   strings otherwise; a repeated scalar stays a list for validation to refuse.
 * @example
 * ```ts
 * import { operations, validateParams } from "@esikit/esi/spec";
 * import { coerceQuery } from "./query.ts";
 *
 * const op = operations["GET /markets/{region_id}/orders"];
 * const query = coerceQuery(op, new URLSearchParams("order_type=all&page=2&type_id=34"));
 * // { order_type: "all", page: 2, type_id: 34 }
 * validateParams(op, { path: { region_id: 10000002 }, query });
 * ```
 */
export function coerceQuery(
  operation: OperationMeta,
  searchParams: URLSearchParams,
): Record<string, QueryValue> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of searchParams) {
    const list = grouped.get(name);
    if (list) list.push(value);
    else grouped.set(name, [value]);
  }
  const params = declared(operation);
  const query: Record<string, QueryValue> = {};
  for (const [name, values] of grouped) {
    const meta = params.get(name);
    query[name] = meta ? typed(meta, values) : values.length === 1 ? values[0] : values;
  }
  return query;
}

function typed(meta: ParamMeta, values: string[]): QueryValue {
  if (meta.type === "array") {
    const itemType = meta.items?.type ?? "string";
    // Comma-separated lists are common in ESI tooling; strings keep their commas.
    const items = itemType === "string" ? values : values.flatMap((v) => v.split(","));
    return items.map((v) => scalar(itemType, v)) as (string | number)[];
  }
  if (values.length > 1) return values; // validation refuses a repeated scalar
  return scalar(meta.type, values[0]);
}

function scalar(type: string, value: string): string | number | boolean {
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(value)) {
    return Number(value);
  }
  if (type === "boolean" && (value === "true" || value === "false")) return value === "true";
  return value;
}
