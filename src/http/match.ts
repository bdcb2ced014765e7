/**
 * From a concrete request path to the spec's operation:
 * `GET /markets/10000002/orders` → `GET /markets/{region_id}/orders` with
 * `{ region_id: "10000002" }`. A segment trie built once, on first use, from
 * the metadata table: a lookup costs one step per path segment whatever the
 * spec's size.
 *
 * Only the spec's form of a path matches: no version prefix, no trailing
 * slash. Old-style paths (`/latest/status/`) are ESI's legacy and the
 * module never sends them; whoever must accept them (the ESI simulator)
 * rewrites them first.
 *
 * @module
 */

import type { OperationMeta } from "../operation_meta.ts";
import { operations } from "../spec/operations.gen.ts";

/**
 * A path matched to an operation of the spec.
 *
 * @example
 * ```ts
 * import { matchRoute, type RouteMatch } from "./match.ts";
 * const found = matchRoute("GET", "/markets/10000002/orders");
 * if (found && "operation" in found) {
 *   const match: RouteMatch = found;
 *   match.params.region_id; // "10000002"
 * }
 * ```
 */
export interface RouteMatch {
  /** The operation (the `GET` one for `HEAD`); its template is `operation.path`. */
  readonly operation: OperationMeta;
  /** The path parameters by name, percent-decoded, as strings. */
  readonly params: Record<string, string>;
}

/**
 * The path names a route of the spec, but not with this method.
 *
 * @example
 * ```ts
 * import { matchRoute, type RouteMethodMismatch } from "./match.ts";
 * const found = matchRoute("DELETE", "/status");
 * if (found && "allowed" in found) {
 *   const mismatch: RouteMethodMismatch = found;
 *   mismatch.allowed; // ["GET"]
 * }
 * ```
 */
export interface RouteMethodMismatch {
  /** The route template. */
  readonly template: string;
  /** The methods the spec has for the path (`HEAD` is implied by `GET`, not listed). */
  readonly allowed: string[];
}

interface Leaf {
  readonly operation: OperationMeta;
  readonly names: readonly string[];
}

interface Node {
  readonly literal: Map<string, Node>;
  param?: Node;
  readonly leaves: Map<string, Leaf>;
}

const newNode = (): Node => ({ literal: new Map(), leaves: new Map() });

let root: Node | undefined;

function tree(): Node {
  if (root) return root;
  const top = newNode();
  for (const operation of Object.values(operations) as OperationMeta[]) {
    let node = top;
    const names: string[] = [];
    for (const segment of operation.path.split("/").slice(1)) {
      const param = /^\{(.+)\}$/.exec(segment);
      if (param) {
        names.push(param[1]);
        node = node.param ??= newNode();
      } else {
        let next = node.literal.get(segment);
        if (!next) node.literal.set(segment, next = newNode());
        node = next;
      }
    }
    node.leaves.set(operation.method, { operation, names });
  }
  return root = top;
}

// Depth-first, literal segments before parameters: `/characters/1/mail/labels`
// is the labels route, not a mail id.
function walk(node: Node, segments: string[], i: number, values: string[]): Node | undefined {
  if (i === segments.length) return node.leaves.size ? node : undefined;
  const segment = segments[i];
  const literal = node.literal.get(segment);
  if (literal) {
    const found = walk(literal, segments, i + 1, values);
    if (found) return found;
  }
  if (node.param && segment !== "") {
    values.push(segment);
    const found = walk(node.param, segments, i + 1, values);
    if (found) return found;
    values.pop();
  }
  return undefined;
}

function decode(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // malformed: the parameter's own check refuses it
  }
}

/**
 * Finds the spec operation a request is for.
 *
 * @param method The request method, upper case; `HEAD` finds the `GET` operation.
 * @param path The URL's pathname as sent (percent-encoded), in the spec's form:
 *   `/markets/10000002/orders`, no version prefix, no trailing slash.
 * @returns The operation and its path parameters; `{ template, allowed }`
 *   when the path exists with other methods only; `undefined` when the spec
 *   has no such path.
 * @example
 * ```ts
 * import { matchRoute } from "./match.ts";
 *
 * const found = matchRoute("GET", "/characters/2112625428/mail/labels");
 * if (found && "operation" in found) found.operation.path; // "/characters/{character_id}/mail/labels"
 * matchRoute("POST", "/status"); // { template: "/status", allowed: ["GET"] }
 * matchRoute("GET", "/nowhere"); // undefined
 * ```
 */
export function matchRoute(
  method: string,
  path: string,
): RouteMatch | RouteMethodMismatch | undefined {
  if (path.charCodeAt(0) !== 47 /* "/" */) return undefined;
  const values: string[] = [];
  const node = walk(tree(), path.slice(1).split("/"), 0, values);
  if (!node) return undefined;
  const leaf = node.leaves.get(method === "HEAD" ? "GET" : method);
  if (!leaf) {
    const allowed = [...node.leaves.keys()];
    return { template: node.leaves.values().next().value!.operation.path, allowed };
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < leaf.names.length; i++) params[leaf.names[i]] = decode(values[i]);
  return { operation: leaf.operation, params };
}
