/**
 * The simulator's view of the spec's routes: the module's matcher
 * (`src/http/match.ts`) plus what only ESI itself still does — answer
 * old-style paths (`/latest/status/`, `/v4/characters/1/`) — and the table of
 * rate-limit groups.
 *
 * @module
 */

import { matchRoute } from "../http/match.ts";
import type { OperationMeta, RateLimitMeta } from "../operation_meta.ts";
import { operations } from "../spec/operations.gen.ts";

/** A request path resolved to its operation. */
export interface SimRouteMatch {
  /** The operation. */
  op: OperationMeta;
  /** The path parameters, by name, URL-decoded. */
  params: Record<string, string>;
  /** The path in its current form: no legacy version prefix, no trailing slash. */
  path: string;
}

/** What a lookup found: the operation, or that only the method was wrong. */
export type RouteLookup =
  | { kind: "match"; match: SimRouteMatch }
  | { kind: "method"; allowed: string[] }
  | { kind: "none" };

// Old-style paths (`/latest/status/`, `/v4/characters/1/`) still answer at ESI.
const LEGACY_PREFIX = /^\/(?:latest|legacy|dev|v\d+)(?=\/)/;

/**
 * Finds the operation serving a request, accepting ESI's old-style paths.
 *
 * @param method The request method; `HEAD` finds the `GET` operation.
 * @param rawPath The URL's pathname, still percent-encoded.
 * @returns The match, the methods the path allows, or nothing.
 */
export function lookupRoute(method: string, rawPath: string): RouteLookup {
  let path = rawPath.replace(LEGACY_PREFIX, "");
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  const found = matchRoute(method, path);
  if (!found) return { kind: "none" };
  if ("allowed" in found) return { kind: "method", allowed: found.allowed };
  return { kind: "match", match: { op: found.operation, params: found.params, path } };
}

/**
 * The operation of a `"METHOD /template"` key.
 *
 * @param key E.g. `"GET /status"`.
 * @returns The operation, or `undefined`.
 */
export function operationByKey(key: string): OperationMeta | undefined {
  return Object.hasOwn(operations, key)
    ? (operations as Record<string, OperationMeta>)[key]
    : undefined;
}

let groups: Map<string, RateLimitMeta> | undefined;

/**
 * Every rate-limit group of the spec's operations, with its size.
 *
 * @returns The groups by name.
 */
export function rateLimitGroups(): ReadonlyMap<string, RateLimitMeta> {
  if (groups) return groups;
  groups = new Map();
  for (const op of Object.values(operations) as OperationMeta[]) {
    if (op.rateLimit && !groups.has(op.rateLimit.group)) {
      groups.set(op.rateLimit.group, op.rateLimit);
    }
  }
  return groups;
}
