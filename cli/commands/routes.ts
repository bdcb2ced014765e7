/**
 * `esikit routes [filter]`: the spec's operations from the generated table.
 *
 * @module
 */

import type { OperationMeta } from "../../src/operation_meta.ts";
import { operations } from "../../src/spec/operations.gen.ts";
import { EXIT } from "../exit.ts";
import { type Format, formatData } from "../format.ts";
import { writeOutput } from "../output.ts";
import type { RunContext } from "../program.ts";

/**
 * Runs `routes`.
 *
 * @param args The filter, if any.
 * @param options `format`.
 * @param _context Unused.
 * @returns The exit code.
 */
export async function run(
  [filter]: string[],
  options: Record<string, unknown>,
  _context: RunContext,
): Promise<number> {
  const wanted = filter?.toLowerCase();
  const rows = (Object.values(operations) as OperationMeta[])
    .filter((op) =>
      !wanted ||
      [op.path, op.operationId, ...op.tags].some((s) => s.toLowerCase().includes(wanted))
    )
    .map((op) => ({
      method: op.method,
      path: op.path,
      scopes: op.scopes.join(" "),
      cache: op.cacheAge === undefined ? "" : `${op.cacheAge} s`,
      group: op.rateLimit
        ? `${op.rateLimit.group} (${op.rateLimit.maxTokens}/${op.rateLimit.windowMs / 60_000}m)`
        : "",
      pagination: op.pagination === "none" ? "" : op.pagination,
    }));
  await writeOutput(await formatData(rows, options.format as Format), undefined);
  return EXIT.ok;
}
