/**
 * From a concrete ESI path (`/markets/10000002/orders`) to the spec's route
 * template (`/markets/{region_id}/orders`) and its path parameters. Literal
 * segments win over parameters, so `/characters/1/mail/labels` is the labels
 * route and not a mail id.
 *
 * TODO(lead): a candidate for `src/http/` — the module has `findOperation`
 * by template but no matcher from a concrete path.
 *
 * @module
 */

import { operations } from "../src/spec/operations.gen.ts";
import type { OperationMeta } from "../src/operation_meta.ts";

/** A concrete path matched to a route of the spec. */
export interface RouteMatch {
  /** The route template. */
  template: string;
  /** The path parameters, by name, as the path gave them (decoded). */
  params: Record<string, string>;
  /** The route's operations by method (`GET`, `POST`, …). */
  operations: ReadonlyMap<string, OperationMeta>;
}

interface Node {
  literals: Map<string, Node>;
  param?: { name: string; node: Node };
  template?: string;
  operations?: Map<string, OperationMeta>;
}

function newNode(): Node {
  return { literals: new Map() };
}

let root: Node | undefined;

function tree(): Node {
  if (root) return root;
  root = newNode();
  for (const op of Object.values(operations) as OperationMeta[]) {
    let node = root;
    for (const segment of op.path.split("/").slice(1)) {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param) {
        node.param ??= { name: param[1], node: newNode() };
        node = node.param.node;
      } else {
        let next = node.literals.get(segment);
        if (!next) node.literals.set(segment, next = newNode());
        node = next;
      }
    }
    node.template = op.path;
    (node.operations ??= new Map()).set(op.method, op);
  }
  return root;
}

function walk(
  node: Node,
  segments: readonly string[],
  i: number,
  params: string[],
): Node | undefined {
  if (i === segments.length) return node.template ? node : undefined;
  const literal = node.literals.get(segments[i]);
  if (literal) {
    const found = walk(literal, segments, i + 1, params);
    if (found) return found;
  }
  if (node.param && segments[i] !== "") {
    params.push(segments[i]);
    const found = walk(node.param.node, segments, i + 1, params);
    if (found) return found;
    params.pop();
  }
  return undefined;
}

/**
 * Matches a concrete, decoded ESI path to its route in the spec.
 *
 * @param segments The path's segments, decoded, without the leading empty one:
 *   `["markets", "10000002", "orders"]`.
 * @returns The route, or `undefined` when the spec has no such path.
 * @example
 * ```ts
 * import { matchRoute } from "./esi_routes.ts";
 * matchRoute(["markets", "10000002", "orders"])?.template; // "/markets/{region_id}/orders"
 * ```
 */
export function matchRoute(segments: readonly string[]): RouteMatch | undefined {
  const values: string[] = [];
  const node = walk(tree(), segments, 0, values);
  if (!node) return undefined;
  const names = [...node.template!.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const params: Record<string, string> = {};
  names.forEach((name, i) => params[name] = values[i]);
  return { template: node.template!, params, operations: node.operations! };
}
