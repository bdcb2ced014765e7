/**
 * Turning a route template and its parameters into the URL that is sent, and
 * refusing what cannot be sent before anything goes upstream.
 *
 * @module
 */

import { EsiRequestError } from "../errors.ts";

/** A value a path parameter accepts. */
export type PathValue = string | number;

/** A value a query parameter accepts; `undefined` leaves it out. */
export type QueryValue = string | number | boolean | readonly (string | number)[] | undefined;

const templateParam = /\{([^}]+)\}/g;

/**
 * Fills a route template with its path parameters, each URL-encoded.
 *
 * @param template The route, e.g. `/markets/{region_id}/orders`.
 * @param params The path parameters by name.
 * @returns The filled path.
 * @throws {EsiRequestError} When a parameter is missing, unknown, empty or not a finite number.
 * @example
 * ```ts
 * import { fillPath } from "./url.ts";
 * fillPath("/markets/{region_id}/orders", { region_id: 10000002 }); // "/markets/10000002/orders"
 * ```
 */
export function fillPath(template: string, params: Record<string, PathValue> | undefined): string {
  if (!template.includes("{")) {
    const extra = params && Object.keys(params);
    if (extra?.length) {
      throw new EsiRequestError(
        `Cannot build "${template}": unknown path parameter ${quoteList(extra)}`,
      );
    }
    return template;
  }
  const used = new Set<string>();
  const filled = template.replace(templateParam, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null) {
      throw new EsiRequestError(`Cannot build "${template}": missing path parameter "${name}"`);
    }
    used.add(name);
    return encodeURIComponent(pathText(template, name, value));
  });
  if (params) {
    const unknown = Object.keys(params).filter((name) => !used.has(name));
    if (unknown.length) {
      throw new EsiRequestError(
        `Cannot build "${template}": unknown path parameter ${quoteList(unknown)}`,
      );
    }
  }
  return filled;
}

function pathText(template: string, name: string, value: unknown): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new EsiRequestError(
        `Cannot build "${template}": path parameter "${name}" must be a finite number, got "${value}"`,
      );
    }
    return String(value);
  }
  if (typeof value === "string" && value !== "") return value;
  throw new EsiRequestError(
    `Cannot build "${template}": path parameter "${name}" must be a non-empty string or a number, got ${
      describe(value)
    }`,
  );
}

/**
 * Builds a query string with its keys sorted, so that equal queries give equal
 * URLs (and so equal cache keys). Arrays repeat their key, as OpenAPI's
 * default `form`/`explode` style asks; `undefined` values are left out.
 *
 * @param query The query parameters.
 * @returns The query string with its leading `?`, or `""` when empty.
 * @throws {EsiRequestError} When a number is not finite or a value has an unusable type.
 * @example
 * ```ts
 * import { buildQuery } from "./url.ts";
 * buildQuery({ type_id: 34, order_type: "all" }); // "?order_type=all&type_id=34"
 * ```
 */
export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return "";
  const keys = Object.keys(query).sort();
  let out = "";
  for (const key of keys) {
    const value = query[key];
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      out += `${out ? "&" : "?"}${encodeURIComponent(key)}=${
        encodeURIComponent(queryText(key, item))
      }`;
    }
  }
  return out;
}

function queryText(key: string, value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return String(value);
    case "number":
      if (Number.isFinite(value)) return String(value);
      throw new EsiRequestError(
        `Cannot build the query: parameter "${key}" must be a finite number, got "${value}"`,
      );
    default:
      throw new EsiRequestError(
        `Cannot build the query: parameter "${key}" must be a string, number or boolean, got ${
          describe(value)
        }`,
      );
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
  return `${typeof value} "${String(value)}"`;
}

function quoteList(names: string[]): string {
  return names.map((n) => `"${n}"`).join(", ");
}

/** Query parameters whose values are secrets, redacted wherever a URL is shown. */
const secretQueryParams =
  /([?&](?:token|access_token|refresh_token|code|state|client_secret|api_key)=)[^&#]*/gi;

/**
 * Hides the values of query parameters that carry secrets, so that a URL can
 * be logged, put in an error or a metric.
 *
 * @param url The URL.
 * @returns The URL with secret values replaced by `<redacted>`.
 * @example
 * ```ts
 * import { redactUrl } from "./url.ts";
 * redactUrl("https://esi.evetech.net/status?token=abc"); // "https://esi.evetech.net/status?token=<redacted>"
 * ```
 */
export function redactUrl(url: string): string {
  return url.includes("=") ? url.replace(secretQueryParams, "$1<redacted>") : url;
}
