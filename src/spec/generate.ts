/**
 * The generator of `src/spec/`: from ESI's OpenAPI 3.0 spec, `paths.gen.ts`
 * (types, by openapi-typescript), `operations.gen.ts` (the per-operation
 * metadata table) and `scopes.gen.ts` (the scope and role unions). Run it
 * with `deno task gen [path-or-url]` (`.ci/gen.ts` reads and writes the files).
 *
 * The output is deterministic: everything is sorted with code-unit order (not
 * the locale's) and nothing depends on the time or the machine, so CI can
 * check a rerun with `git diff --exit-code`.
 *
 * @module
 */

import { header, type Json, specDate } from "./generate_common.ts";
import { operationMetas } from "./generate_metas.ts";
import { renderPaths } from "./generate_paths.ts";
import { renderResponses } from "./generate_responses.ts";
import { renderOperations, renderScopes } from "./generate_tables.ts";

export { operationMetas } from "./generate_metas.ts";
export { renderPaths } from "./generate_paths.ts";
export { renderOperations, renderScopes } from "./generate_tables.ts";

/** What one run of the generator produces. */
export interface GeneratedSpec {
  /** The generated files' texts, by file name (they live in `src/spec/`). */
  files: Record<string, string>;
  /** How many operations the spec has. */
  operations: number;
  /** The spec's compatibility date. */
  date: string;
}

/**
 * Generates the files of `src/spec/` from a parsed OpenAPI 3.0 spec. Pure:
 * reading the spec and writing the files is the command line's business
 * (`deno task gen`, in `.ci/gen.ts`).
 *
 * @param spec The parsed spec.
 * @returns The files' texts and what they cover.
 * @example
 * ```ts ignore
 * import { generateSpecFiles } from "./generate.ts";
 * const { files } = await generateSpecFiles(JSON.parse(await (await fetch(specUrl)).text()));
 * ```
 */
export async function generateSpecFiles(spec: Json): Promise<GeneratedSpec> {
  const date = specDate(spec);
  const metas = operationMetas(spec);
  return {
    files: {
      "operations.gen.ts": renderOperations(metas, date),
      "scopes.gen.ts": renderScopes(spec, metas, date),
      "paths.gen.ts": await renderPaths(spec, metas, date),
      "responses.gen.ts": renderResponses(spec, metas, header(date)),
    },
    operations: metas.length,
    date,
  };
}
