/**
 * Turning a caller's query string into the typed query the module checks
 * against the spec: digits become integers, `true`/`false` booleans, repeated
 * or comma-separated values arrays, as each parameter's declared type asks.
 * Anything else is passed as it came, for the module to refuse with a clear
 * message.
 *
 * @module
 */

import type { OperationMeta, ParamMeta } from "../src/operation_meta.ts";
import type { QueryValue } from "../src/http/url.ts";

/** The gateway's own query parameters, never sent to ESI. */
export const gatewayParams: ReadonlySet<string> = new Set(["all"]);

/** A caller's query, split into ESI's parameters and the gateway's own. */
export interface CallerQuery {
  /** ESI's parameters, typed where the spec declares them. */
  query: Record<string, QueryValue>;
  /** The gateway's parameters (`all`), as strings. */
  gateway: Record<string, string>;
}

/**
 * Reads a query string for an operation.
 *
 * @param search The raw query, with or without its `?`.
 * @param operation The operation, for the parameters' types.
 * @returns ESI's parameters and the gateway's.
 * @example
 * ```ts
 * import { readQuery } from "./query.ts";
 * import { operations } from "../src/spec/operations.gen.ts";
 * readQuery("?order_type=all&page=2", operations["GET /markets/{region_id}/orders"]).query;
 * // { order_type: "all", page: 2 }
 * ```
 */
export function readQuery(search: string, operation: OperationMeta): CallerQuery {
  const params = new URLSearchParams(search);
  const declared = new Map<string, ParamMeta>();
  for (const p of operation.parameters) if (p.in === "query") declared.set(p.name, p);
  const grouped = new Map<string, string[]>();
  const gateway: Record<string, string> = {};
  for (const [name, value] of params) {
    if (gatewayParams.has(name) && !declared.has(name)) {
      gateway[name] = value;
      continue;
    }
    const list = grouped.get(name);
    if (list) list.push(value);
    else grouped.set(name, [value]);
  }
  const query: Record<string, QueryValue> = {};
  for (const [name, values] of grouped) {
    const meta = declared.get(name);
    query[name] = meta ? typed(meta, values) : values.length === 1 ? values[0] : values;
  }
  return { query, gateway };
}

function typed(meta: ParamMeta, values: string[]): QueryValue {
  if (meta.type === "array") {
    const itemType = meta.items?.type ?? "string";
    // Comma-separated lists are common in ESI tooling; strings keep their commas.
    const items = itemType === "string" ? values : values.flatMap((v) => v.split(","));
    return items.map((v) => scalar(itemType, v)) as (string | number)[];
  }
  if (values.length > 1) return values; // the module refuses a repeated scalar
  return scalar(meta.type, values[0]);
}

function scalar(type: string, value: string): string | number | boolean {
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(value)) {
    return Number(value);
  }
  if (type === "boolean" && (value === "true" || value === "false")) return value === "true";
  return value;
}
