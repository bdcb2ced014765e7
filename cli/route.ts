/**
 * A command line's route and `-p name=value` parameters, resolved against
 * the spec: the operation, its path and query parameters typed as the spec
 * declares them. What the spec refuses is refused with the module's own
 * message; an unknown route names the closest ones.
 *
 * @module
 */

import { distance } from "fastest-levenshtein";
import type { PathValue, QueryValue } from "../mod.ts";
import { matchRoute } from "../src/http/match.ts";
import { coerceQuery } from "../src/http/query.ts";
import { findOperation, validateParams } from "../src/http/validate.ts";
import type { OperationMeta } from "../src/operation_meta.ts";
import { operations } from "../src/spec/operations.gen.ts";
import { CliError } from "./exit.ts";

/** A call, resolved. */
export interface ResolvedCall {
  /** The operation. */
  operation: OperationMeta;
  /** Path parameters. */
  path: Record<string, PathValue>;
  /** Query parameters. */
  query: Record<string, QueryValue>;
}

/**
 * Resolves a route and its parameters; validates them unless some are left
 * open (`many` fills one path parameter per id).
 *
 * @param route A template (`/markets/{region_id}/orders`) or a path (`/markets/10000002/orders`).
 * @param params `name=value` strings.
 * @param open A path parameter left open, not validated yet.
 * @returns The call.
 * @throws {CliError} For an unknown route or a malformed parameter.
 * @throws {EsiRequestError} For what the spec refuses (the module's message).
 */
export function resolveCall(route: string, params: string[] = [], open?: string): ResolvedCall {
  const cleaned = route.length > 1 ? route.replace(/\/+$/, "") : route;
  let operation = findOperation("GET", cleaned);
  const fromPath: Record<string, string> = {};
  if (!operation) {
    const match = matchRoute("GET", cleaned);
    if (match && "operation" in match) {
      operation = match.operation;
      Object.assign(fromPath, match.params);
    } else if (match) {
      throw new CliError(
        `Cannot GET "${route}": the route only allows ${
          match.allowed.map((m) => `"${m}"`).join(", ")
        }`,
      );
    } else {
      throw new CliError(`Cannot GET "${route}": ESI has no such route; ${suggest(route)}`);
    }
  }
  const declared = new Map(operation.parameters.map((p) => [p.name, p]));
  const search = new URLSearchParams();
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq <= 0) {
      throw new CliError(`Cannot read parameter "${param}": write it as name=value`);
    }
    const name = param.slice(0, eq);
    const value = param.slice(eq + 1);
    if (declared.get(name)?.in === "path") fromPath[name] = value;
    else search.append(name, value);
  }
  const path: Record<string, PathValue> = {};
  for (const [name, value] of Object.entries(fromPath)) {
    const type = declared.get(name)?.type;
    path[name] = (type === "integer" || type === "number") && /^-?\d+$/.test(value)
      ? Number(value)
      : value;
  }
  const query = coerceQuery(operation, search);
  const call = { operation, path, query };
  if (open === undefined) validateParams(operation, { path, query });
  return call;
}

/**
 * The closest GET routes to a mistyped one, as a clause for an error line.
 *
 * @param route What was typed.
 * @returns `did you mean "/a", "/b" or "/c"?`
 */
export function suggest(route: string): string {
  const typed = route.toLowerCase().replace(/\/\d+(?=\/|$)/g, "/{}");
  const scored = (Object.values(operations) as OperationMeta[])
    .filter((op) => op.method === "GET")
    .map((op) => {
      const shape = op.path.replace(/\{[^}]+\}/g, "{}");
      return { path: op.path, score: distance(typed, shape) };
    })
    .sort((a, b) => a.score - b.score || a.path.localeCompare(b.path))
    .slice(0, 3)
    .map((s) => `"${s.path}"`);
  return `did you mean ${scored.slice(0, -1).join(", ")} or ${
    scored.at(-1)
  }? (esikit routes lists them)`;
}
