/**
 * Finding a call's operation in the spec's metadata table, and refusing calls
 * the spec does not allow, before anything is sent.
 *
 * @module
 */

import { EsiRequestError } from "../errors.ts";
import type { OperationMeta } from "../operation_meta.ts";
import { operations } from "../spec/operations.gen.ts";
import { findOperation } from "./validate.ts";

export type { OperationMeta };

let methodsByPath: Map<string, string[]> | undefined;

function methodsOf(path: string): string[] | undefined {
  if (!methodsByPath) {
    methodsByPath = new Map();
    for (const op of Object.values(operations) as OperationMeta[]) {
      const list = methodsByPath.get(op.path) ?? [];
      list.push(op.method);
      methodsByPath.set(op.path, list);
    }
  }
  return methodsByPath.get(path);
}

/**
 * Looks up the operation of a call. A route of the spec called with a method
 * it does not have is refused; a path that is not in the spec at all passes
 * through untyped (ESI may have routes newer than esikit's spec).
 *
 * @param method The HTTP method, upper case.
 * @param path The route template.
 * @returns The operation, or `undefined` for a path the spec does not know.
 * @throws {EsiRequestError} When the spec has the path but not the method.
 * @example
 * ```ts
 * import { resolveOperation } from "./operation.ts";
 * resolveOperation("GET", "/markets/{region_id}/orders")?.rateLimit?.group; // "market-order"
 * ```
 */
export function resolveOperation(method: string, path: string): OperationMeta | undefined {
  const operation = findOperation(method === "HEAD" ? "GET" : method, path);
  if (operation) return operation;
  const allowed = methodsOf(path);
  if (allowed) {
    throw new EsiRequestError(
      `Cannot ${method} "${path}": the route only allows ${
        allowed.map((m) => `"${m}"`).join(", ")
      }`,
    );
  }
  return undefined;
}
