/**
 * Checking a call's parameters against the spec's metadata before anything is
 * sent, so a typo or a wrong value fails at once with a clear error instead of
 * spending ESI's error budget. Runs on every call: each operation's checks are
 * prepared once, on its first use.
 *
 * @module
 */

import { EsiRequestError } from "../errors.ts";
import type { BodyMeta, ItemsMeta, OperationMeta, ParamMeta } from "../operation_meta.ts";
import { operationKeysById, operations } from "../spec/operations.gen.ts";
import type { EsiRequestParams } from "../typed.ts";

// Re-exported so the types these functions name are public wherever they are.
export type * from "../operation_meta.ts";
export type { EsiRequestParams };

const table = operations as Readonly<Record<string, OperationMeta>>;
const idTable = operationKeysById as Readonly<Record<string, string>>;

/** A parameter with its enum turned into a set, for constant-time lookups. */
interface Check {
  readonly meta: ParamMeta;
  readonly label: string;
  readonly allowed?: ReadonlySet<string | number>;
  readonly allowedItems?: ReadonlySet<string | number>;
}

/** An operation's checks, prepared on first use. */
interface Prepared {
  readonly path: ReadonlyMap<string, Check>;
  readonly query: ReadonlyMap<string, Check>;
  readonly requiredQuery: readonly Check[];
  readonly requiredHeaders: readonly Check[];
  readonly bodyItems?: ReadonlySet<string | number>;
}

const prepared = new WeakMap<OperationMeta, Prepared>();

function prepare(meta: OperationMeta): Prepared {
  let found = prepared.get(meta);
  if (found) return found;
  const path = new Map<string, Check>();
  const query = new Map<string, Check>();
  const requiredQuery: Check[] = [];
  const requiredHeaders: Check[] = [];
  for (const p of meta.parameters) {
    const check: Check = {
      meta: p,
      label: `${p.in} parameter "${p.name}"`,
      allowed: p.enum ? new Set(p.enum) : undefined,
      allowedItems: p.items?.enum ? new Set(p.items.enum) : undefined,
    };
    if (p.in === "path") path.set(p.name, check);
    else if (p.in === "query") {
      query.set(p.name, check);
      if (p.required) requiredQuery.push(check);
    } else if (p.required) requiredHeaders.push(check);
  }
  const items = meta.body?.items?.enum;
  found = {
    path,
    query,
    requiredQuery,
    requiredHeaders,
    bodyItems: items ? new Set(items) : undefined,
  };
  prepared.set(meta, found);
  return found;
}

/** Quotes a value for an error message, whatever its type. */
function shown(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") {
    let text: string;
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
    return `"${text.length > 80 ? `${text.slice(0, 77)}...` : text}"`;
  }
  return `"${String(value)}"`;
}

function oneOf(values: readonly (string | number)[]): string {
  return values.map((v) => `"${v}"`).join(", ");
}

function refuse(meta: OperationMeta, what: string): never {
  throw new EsiRequestError(`Cannot call "${meta.key}": ${what}`);
}

/** A string of ASCII digits, optionally signed: what a path segment may carry for an integer. */
function isDigits(text: string): boolean {
  let i = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (i === text.length) return false;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/**
 * Checks one scalar against a type, an enum and bounds; returns why it fails,
 * or `undefined` when it passes.
 */
function scalarProblem(
  type: string,
  value: unknown,
  allowed: ReadonlySet<string | number> | undefined,
  enumValues: readonly (string | number)[] | undefined,
  bounds: ParamMeta | undefined,
  digitsOk: boolean,
): string | undefined {
  let v = value;
  switch (type) {
    case "integer":
      if (digitsOk && typeof v === "string" && isDigits(v)) v = Number(v);
      if (typeof v !== "number" || !Number.isInteger(v)) return "must be an integer";
      if (bounds?.format === "int32" && (v < INT32_MIN || v > INT32_MAX)) {
        return "must be a 32-bit integer";
      }
      break;
    case "number":
      if (typeof v !== "number" || !Number.isFinite(v)) return "must be a finite number";
      break;
    case "boolean":
      if (typeof v !== "boolean") return "must be true or false";
      break;
    case "string":
      if (typeof v !== "string") return "must be a string";
      if (bounds?.minLength !== undefined && v.length < bounds.minLength) {
        return `must be at least ${bounds.minLength} characters long`;
      }
      if (bounds?.maxLength !== undefined && v.length > bounds.maxLength) {
        return `must be at most ${bounds.maxLength} characters long`;
      }
      break;
    case "object":
      if (typeof v !== "object" || v === null || Array.isArray(v)) return "must be an object";
      break;
  }
  if (allowed && !allowed.has(v as string | number)) return `must be one of ${oneOf(enumValues!)}`;
  if (typeof v === "number" && bounds) {
    if (bounds.minimum !== undefined && v < bounds.minimum) {
      return `must be at least ${bounds.minimum}`;
    }
    if (bounds.maximum !== undefined && v > bounds.maximum) {
      return `must be at most ${bounds.maximum}`;
    }
  }
  return undefined;
}

/** Checks an array's length, uniqueness and items; returns why it fails. */
function arrayProblem(
  value: unknown,
  limits: { minItems?: number; maxItems?: number; uniqueItems?: boolean },
  items: ItemsMeta | undefined,
  allowedItems: ReadonlySet<string | number> | undefined,
): [problem: string, offending: unknown] | undefined {
  if (!Array.isArray(value)) return ["must be an array", value];
  const { minItems, maxItems } = limits;
  if (minItems !== undefined && value.length < minItems) {
    return [`must hold at least ${minItems} item${minItems === 1 ? "" : "s"}`, value.length];
  }
  if (maxItems !== undefined && value.length > maxItems) {
    return [`must hold at most ${maxItems} items`, value.length];
  }
  if (items) {
    for (let i = 0; i < value.length; i++) {
      const why = scalarProblem(items.type, value[i], allowedItems, items.enum, undefined, false);
      if (why) return [`item ${i} ${why}`, value[i]];
    }
  }
  if (limits.uniqueItems && new Set(value).size !== value.length) {
    const seen = new Set<unknown>();
    const repeat = value.find((v) => seen.size === seen.add(v).size);
    return ["must not repeat an item", repeat];
  }
  return undefined;
}

function checkValue(meta: OperationMeta, check: Check, value: unknown): void {
  const p = check.meta;
  if (p.type === "array") {
    const problem = arrayProblem(value, p, p.items, check.allowedItems);
    if (problem) refuse(meta, `${check.label} ${problem[0]}, got ${shown(problem[1])}`);
    return;
  }
  const why = scalarProblem(p.type, value, check.allowed, p.enum, p, p.in === "path");
  if (why) refuse(meta, `${check.label} ${why}, got ${shown(value)}`);
}

function checkBody(meta: OperationMeta, body: BodyMeta, value: unknown, prep: Prepared): void {
  if (body.type === "array") {
    const problem = arrayProblem(value, body, body.items, prep.bodyItems);
    if (problem) refuse(meta, `the request body ${problem[0]}, got ${shown(problem[1])}`);
    return;
  }
  const why = scalarProblem(body.type, value, undefined, undefined, undefined, false);
  if (why) refuse(meta, `the request body ${why}, got ${shown(value)}`);
}

/**
 * Checks a call's parameters against its operation before anything is sent:
 * required path, query and header parameters present; no unknown path or
 * query parameters (they are typos); integers, numbers, booleans, strings,
 * enums, bounds and arrays as the spec declares them (a path parameter may
 * give an integer as a string of digits); the body present when required and,
 * for array bodies, of the right length and item type.
 *
 * @param meta The operation, from the metadata table.
 * @param params The call's parameters.
 * @throws {EsiRequestError} Naming the operation, the parameter and the offending value.
 * @example
 * ```ts
 * import { operations, validateParams } from "@esikit/esi/spec";
 *
 * const meta = operations["GET /markets/{region_id}/orders"];
 * validateParams(meta, { path: { region_id: 10000002 }, query: { order_type: "all" } });
 * try {
 *   validateParams(meta, { path: { region_id: 10000002 }, query: { order_type: "both" } });
 * } catch (err) {
 *   console.log((err as Error).message);
 *   // Cannot call "GET /markets/{region_id}/orders": query parameter "order_type" must be one
 *   // of "buy", "sell", "all", got "both"
 * }
 * ```
 */
export function validateParams(meta: OperationMeta, params: EsiRequestParams | undefined): void {
  const prep = prepare(meta);

  const path = params?.path;
  if (path) {
    for (const name in path) {
      if (!prep.path.has(name)) {
        const known = [...prep.path.keys()];
        refuse(
          meta,
          `unknown path parameter "${name}"${
            known.length ? ` (it takes ${oneOf(known)})` : " (it takes none)"
          }`,
        );
      }
    }
  }
  for (const check of prep.path.values()) {
    const value = path?.[check.meta.name];
    if (value === undefined || value === null) refuse(meta, `${check.label} is missing`);
    checkValue(meta, check, value);
  }

  const query = params?.query;
  if (query) {
    for (const name in query) {
      const check = prep.query.get(name);
      if (!check) {
        const known = [...prep.query.keys()];
        refuse(
          meta,
          `unknown query parameter "${name}"${
            known.length ? ` (it takes ${oneOf(known)})` : " (it takes none)"
          }`,
        );
      }
      const value = query[name];
      if (value !== undefined) checkValue(meta, check, value);
    }
  }
  for (const check of prep.requiredQuery) {
    if (query?.[check.meta.name] === undefined) refuse(meta, `${check.label} is missing`);
  }

  if (prep.requiredHeaders.length) {
    const given = new Set(Object.keys(params?.headers ?? {}).map((h) => h.toLowerCase()));
    for (const check of prep.requiredHeaders) {
      if (!given.has(check.meta.name.toLowerCase())) refuse(meta, `${check.label} is missing`);
    }
  }

  const body = params?.body;
  if (!meta.body) {
    if (body !== undefined) refuse(meta, "the operation takes no request body");
  } else if (body === undefined) {
    if (meta.body.required) refuse(meta, "the request body is missing");
  } else {
    checkBody(meta, meta.body, body, prep);
  }
}

/**
 * The scopes an operation needs that a token lacks.
 *
 * @param meta The operation.
 * @param tokenScopes The token's scopes (the JWT's `scp`).
 * @returns The missing scopes, in the operation's order; empty when none are.
 * @example
 * ```ts
 * import { missingScopes, operations } from "@esikit/esi/spec";
 *
 * missingScopes(operations["GET /characters/{character_id}/assets"], ["esi-skills.read_skills.v1"]);
 * // ["esi-assets.read_assets.v1"]
 * ```
 */
export function missingScopes(meta: OperationMeta, tokenScopes: readonly string[]): string[] {
  if (meta.scopes.length === 0) return [];
  return meta.scopes.filter((scope) => !tokenScopes.includes(scope));
}

/**
 * Finds an operation of the spec by method and route template.
 *
 * @param method The HTTP method, in any case.
 * @param path The route template, e.g. `/markets/{region_id}/orders`.
 * @returns The operation, or `undefined` when the spec has no such operation.
 * @example
 * ```ts
 * import { findOperation } from "@esikit/esi/spec";
 *
 * findOperation("GET", "/markets/{region_id}/orders")?.pagination; // "x-pages"
 * findOperation("GET", "/no/such/route"); // undefined
 * ```
 */
export function findOperation(method: string, path: string): OperationMeta | undefined {
  return table[`${method.toUpperCase()} ${path}`];
}

/**
 * Finds an operation of the spec by its operationId.
 *
 * @param operationId The spec's operationId, e.g. `GetMarketsRegionIdOrders`.
 * @returns The operation, or `undefined` when the spec has no such operationId.
 * @example
 * ```ts
 * import { findOperationById } from "@esikit/esi/spec";
 *
 * findOperationById("GetMarketsRegionIdOrders")?.key; // "GET /markets/{region_id}/orders"
 * ```
 */
export function findOperationById(operationId: string): OperationMeta | undefined {
  const key = Object.hasOwn(idTable, operationId) ? idTable[operationId] : undefined;
  return key === undefined ? undefined : table[key];
}
