/**
 * `deno task gen [--from <url|path>]`: generates `src/spec/` from CCP's
 * OpenAPI 3.0 spec, committed as `spec/openapi.json`. With `--from`, the
 * committed copy is first replaced by the spec at that URL (fetched) or path
 * (read), as it is, once it has generated cleanly; CCP publishes it at
 * `https://esi.evetech.net/meta/openapi-3.0.json?compatibility_date=…`.
 * The file I/O lives here so that `src/` stays runtime-agnostic.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { generateSpecFiles } from "../src/spec/generate.ts";

const SPEC = "spec/openapi.json";
const USAGE = "usage: deno task gen [--from <url|path>]";

/** Where the generator reads and writes, and where it reports. */
export interface GenOptions {
  /** The project root (`spec/` and `src/spec/` live under it). */
  root: URL;
  /** Prints a line of progress. */
  log: (line: string) => void;
  /** Prints the one line that says what went wrong. */
  error: (line: string) => void;
}

/** A mistake the user can fix: reported as its message alone. */
class GenError extends Error {}

/** Reads the spec's text from a URL or a path. */
async function load(source: string, isDefault: boolean): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    let res: Response;
    try {
      res = await fetch(source, { headers: { accept: "application/json" } });
    } catch (err) {
      throw new GenError(`Cannot fetch the spec from "${source}": ${(err as Error).message}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new GenError(`Cannot fetch the spec from "${source}": HTTP ${res.status}`);
    }
    return await res.text();
  }
  try {
    return await Deno.readTextFile(source);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "no such file" : (err as Error).message;
    const hint = isDefault ? ` (refresh it with "deno task gen --from <url|path>")` : "";
    throw new GenError(`Cannot read the spec "${source}": ${why}${hint}`);
  }
}

/** Parses the text and checks it is an OpenAPI 3 document at all. */
function parse(source: string, text: string): unknown {
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (err) {
    throw new GenError(`Cannot parse the spec "${source}": ${(err as Error).message}`);
  }
  const doc = spec as { openapi?: unknown; paths?: unknown } | null;
  if (
    typeof doc !== "object" || doc === null || typeof doc.openapi !== "string" ||
    !doc.openapi.startsWith("3.") || typeof doc.paths !== "object" || doc.paths === null
  ) {
    throw new GenError(
      `Cannot read the spec "${source}": it is not an OpenAPI 3 document ` +
        `(no "openapi" version or "paths")`,
    );
  }
  return spec;
}

/**
 * Runs the generator.
 *
 * @param args The command line's arguments.
 * @param options The project root and where to print.
 * @returns The exit code: 0, or 1 after one line saying what went wrong.
 */
export async function main(args: string[], options: GenOptions): Promise<number> {
  const { root, log, error } = options;
  try {
    let from: string | undefined;
    try {
      ({ values: { from } } = parseArgs({ args, options: { from: { type: "string" } } }));
    } catch (err) {
      const { code, message } = err as Error & { code?: string };
      const quoted = /'([^' ]+)/.exec(message)?.[1] ?? "";
      const what = code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
        ? `unknown option "${quoted}"`
        : code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE"
        ? `"${quoted}" needs a value`
        : code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
        ? `unexpected argument "${quoted}"`
        : message;
      throw new GenError(`Cannot run gen: ${what} (${USAGE})`);
    }
    const specUrl = new URL(SPEC, root);
    const source = from ?? specUrl.pathname;
    const text = await load(source, from === undefined);
    const started = performance.now();
    let generated;
    try {
      generated = await generateSpecFiles(parse(source, text));
    } catch (err) {
      if (err instanceof GenError) throw err;
      throw new GenError(`Cannot generate from the spec "${source}": ${(err as Error).message}`);
    }
    // The committed copy changes only once the new spec has generated cleanly.
    if (from !== undefined) await Deno.writeTextFile(specUrl, text);
    for (const [name, content] of Object.entries(generated.files)) {
      await Deno.writeTextFile(new URL(`src/spec/${name}`, root), content);
    }
    const ms = Math.round(performance.now() - started);
    const refreshed = from === undefined ? "" : `, ${SPEC} refreshed from "${from}"`;
    log(
      `Generated ${generated.operations} operations (compatibility date ${generated.date}) ` +
        `in ${ms} ms${refreshed}`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof GenError)) throw err;
    error(err.message);
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(
    await main(Deno.args, {
      root: new URL("../", import.meta.url),
      log: console.log,
      error: console.error,
    }),
  );
}
