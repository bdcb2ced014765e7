/**
 * Finding the spec operation a concrete request path belongs to:
 * `/markets/10000002/orders` → `GET /markets/{region_id}/orders`, with its
 * path parameters. A segment trie built once from the metadata table, so a
 * lookup costs one step per path segment whatever the spec's size.
 *
 * @module
 */

import type { OperationMeta, RateLimitMeta } from "../operation_meta.ts";
import { operations } from "../spec/operations.gen.ts";

/** A request path resolved to its operation. */
export interface RouteMatch {
  /** The operation. */
  op: OperationMeta;
  /** The path parameters, by name, URL-decoded. */
  params: Record<string, string>;
  /** The path in its current form: no legacy version prefix, no trailing slash. */
  path: string;
}

/** What a lookup found: the operation, or that only the method was wrong. */
export type RouteLookup =
  | { kind: "match"; match: RouteMatch }
  | { kind: "method"; allowed: string[] }
  | { kind: "none" };

interface Leaf {
  op: OperationMeta;
  names: string[];
}

interface Node {
  literal: Map<string, Node>;
  param?: Node;
  leaves: Map<string, Leaf>;
}

const newNode = (): Node => ({ literal: new Map(), leaves: new Map() });

// Old-style paths (`/latest/status/`, `/v4/characters/1/`) still answer at ESI.
const LEGACY_PREFIX = /^\/(?:latest|legacy|dev|v\d+)(?=\/)/;

/** The spec's operations, indexed for matching concrete paths. */
export class RouteTable {
  #root: Node = newNode();
  #byKey = new Map<string, OperationMeta>();
  /** Every rate-limit group of the operations, with its size. */
  readonly groups: Map<string, RateLimitMeta> = new Map();

  /** @param ops The operations to serve. */
  constructor(ops: Iterable<OperationMeta>) {
    for (const op of ops) this.#add(op);
  }

  /**
   * The operation of a `"METHOD /template"` key.
   *
   * @param key E.g. `"GET /status"`.
   * @returns The operation, or `undefined`.
   */
  get(key: string): OperationMeta | undefined {
    return this.#byKey.get(key);
  }

  /**
   * Finds the operation serving a request.
   *
   * @param method The request method; `HEAD` finds the `GET` operation.
   * @param rawPath The URL's pathname, still percent-encoded.
   * @returns The match, the methods the path allows, or nothing.
   */
  lookup(method: string, rawPath: string): RouteLookup {
    let path = rawPath.replace(LEGACY_PREFIX, "");
    if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
    const segments = path.split("/").slice(1);
    const values: string[] = [];
    const node = this.#walk(this.#root, segments, 0, values);
    if (!node) return { kind: "none" };
    const leaf = node.leaves.get(method === "HEAD" ? "GET" : method);
    if (!leaf) return { kind: "method", allowed: [...node.leaves.keys()] };
    const params: Record<string, string> = {};
    for (let i = 0; i < leaf.names.length; i++) params[leaf.names[i]] = safeDecode(values[i]);
    return { kind: "match", match: { op: leaf.op, params, path } };
  }

  // Depth-first, literal segments before parameters, so `/universe/names`
  // wins over a `/universe/{x}` template.
  #walk(node: Node, segments: string[], i: number, values: string[]): Node | undefined {
    if (i === segments.length) return node.leaves.size ? node : undefined;
    const segment = segments[i];
    const literal = node.literal.get(segment);
    if (literal) {
      const found = this.#walk(literal, segments, i + 1, values);
      if (found) return found;
    }
    if (node.param && segment !== "") {
      values.push(segment);
      const found = this.#walk(node.param, segments, i + 1, values);
      if (found) return found;
      values.pop();
    }
    return undefined;
  }

  #add(op: OperationMeta): void {
    let node = this.#root;
    const names: string[] = [];
    for (const segment of op.path.split("/").slice(1)) {
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
    node.leaves.set(op.method, { op, names });
    this.#byKey.set(op.key, op);
    if (op.rateLimit && !this.groups.has(op.rateLimit.group)) {
      this.groups.set(op.rateLimit.group, op.rateLimit);
    }
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

let specTable: RouteTable | undefined;

/**
 * The table of every operation in esikit's spec, built on first use and
 * shared by all simulators.
 *
 * @returns The table.
 */
export function specRoutes(): RouteTable {
  return specTable ??= new RouteTable(Object.values(operations) as OperationMeta[]);
}
